#!/usr/bin/env bash
# ctest deploy_docker: the Dockerfile parses and passes the lint and image
# rules (check-dockerfile.mjs), and its runtime stage installs exactly the
# packages the binaries need: the list runtime-packages.sh derives from ldd
# of the built binaries, plus ca-certificates. Every library any binary
# loads (ldd, transitive ones included) must come from a listed package or
# one apt installs with them (their Depends, recursively), or from libc6 /
# libgcc-s1, which every Debian image has.
#
#   deploy/tests/docker-check.sh BIN_DIR [RENDERED.yaml...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin_dir="$1"
shift
dockerfile="$root/deploy/docker/Dockerfile"

out=$(node "$root/deploy/tests/check-dockerfile.mjs" "$dockerfile" --manifests "$@")
read -r -a listed <<<"$(sed -n 's/^runtime-packages: //p' <<<"$out")"
read -r -a binaries <<<"$(sed -n 's/^binaries: //p' <<<"$out")"
paths=()
for b in "${binaries[@]}"; do
  [[ -x "$bin_dir/$b" ]] || { echo "FAIL: $b (built by the Dockerfile) is not in $bin_dir" >&2; exit 1; }
  paths+=("$bin_dir/$b")
done

derived=$("$root/deploy/docker/runtime-packages.sh" "${paths[@]}")
want=$(printf '%s\n' $derived ca-certificates | sort -u)
have=$(printf '%s\n' "${listed[@]}" | sort -u)
if [[ "$want" != "$have" ]]; then
  echo "FAIL: RUNTIME_PACKAGES in $dockerfile differ from what the binaries need" >&2
  echo "  missing: $(comm -23 <(echo "$want") <(echo "$have") | xargs)" >&2
  echo "  not needed: $(comm -13 <(echo "$want") <(echo "$have") | xargs)" >&2
  echo "  derived by deploy/docker/runtime-packages.sh: $(echo $derived)" >&2
  exit 1
fi

# What apt brings along with the listed packages (and the base's libc6, libgcc-s1).
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${listed[@]}" libc6 libgcc-s1 2>/dev/null |
  grep -v '^ ' | sed 's/:.*//' | sort -u)
checked=0
while read -r lib owner; do
  if ! grep -qx "$owner" <<<"$closure"; then
    echo "FAIL: a binary loads $lib (package $owner), which the runtime stage does not install" >&2
    exit 1
  fi
  checked=$((checked + 1))
done < <("$root/deploy/docker/runtime-packages.sh" --all-libraries "${paths[@]}")
((checked > 0)) || { echo "FAIL: ldd found no libraries" >&2; exit 1; }
echo "Dockerfile OK: runtime packages ${listed[*]}; ${#paths[@]} binaries, their $checked libraries all installed by them"
