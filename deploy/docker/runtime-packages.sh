#!/usr/bin/env bash
# Prints the Debian packages a runtime image needs for the given binaries:
# the packages that ship the shared libraries each binary links directly
# (its DT_NEEDED entries, resolved by ldd), without libc6 and libgcc-s1,
# which every Debian image has (Priority: required). apt installs their
# dependencies. Run on Debian 12, where the binaries were built:
#
#   deploy/docker/runtime-packages.sh build/release/bin/hbsync-{ingress,mapper,...}
set -euo pipefail
if (($# == 0)); then
  echo "usage: $0 BINARY..." >&2
  exit 2
fi

package_of() {  # package_of PATH: the Debian package that owns a library file
  local path="$1" candidate owner
  for candidate in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
    owner=$(dpkg-query -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1) || true
    if [[ -n "$owner" ]]; then
      echo "$owner"
      return 0
    fi
  done
  echo "runtime-packages: no Debian package owns $path" >&2
  return 1
}

declare -A packages=()
for bin in "$@"; do
  [[ -x "$bin" ]] || { echo "runtime-packages: $bin is not an executable" >&2; exit 1; }
  # DT_NEEDED of the binary; ldd tells where each resolves.
  mapfile -t needed < <(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}')
  ldd_out=$(ldd "$bin")
  if grep -q "not found" <<<"$ldd_out"; then
    echo "runtime-packages: $bin has unresolved libraries:" >&2
    grep "not found" <<<"$ldd_out" >&2
    exit 1
  fi
  for soname in "${needed[@]}"; do
    path=$(awk -v s="$soname" '$1 == s && $2 == "=>" {print $3}' <<<"$ldd_out")
    [[ -n "$path" ]] || { echo "runtime-packages: $bin: $soname not resolved by ldd" >&2; exit 1; }
    packages[$(package_of "$path")]=1
  done
done
for p in "${!packages[@]}"; do
  case "$p" in libc6 | libgcc-s1) ;; *) echo "$p" ;; esac
done | sort
