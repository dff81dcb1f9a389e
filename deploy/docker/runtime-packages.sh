#!/usr/bin/env bash
# Prints the Debian packages a runtime image needs for the given binaries:
# the packages that ship the shared libraries each binary links directly
# (its DT_NEEDED entries, resolved by ldd), without libc6 and libgcc-s1,
# which every Debian image has (Priority: required). apt installs their
# dependencies. Run on Debian 12, where the binaries were built:
#
#   deploy/docker/runtime-packages.sh build/release/bin/hbsync-{ingress,mapper,...}
#
# With --all-libraries it prints "LIBRARY PACKAGE" for every library ldd
# shows for the binaries (transitive ones included) instead.
set -euo pipefail
all=0
if [[ "${1:-}" == "--all-libraries" ]]; then
  all=1
  shift
fi
if (($# == 0)); then
  echo "usage: $0 [--all-libraries] BINARY..." >&2
  exit 2
fi

declare -A direct=() libs=()
for bin in "$@"; do
  [[ -x "$bin" ]] || { echo "runtime-packages: $bin is not an executable" >&2; exit 1; }
  ldd_out=$(ldd "$bin")
  if grep -q "not found" <<<"$ldd_out"; then
    echo "runtime-packages: $bin has unresolved libraries:" >&2
    grep "not found" <<<"$ldd_out" >&2
    exit 1
  fi
  while read -r lib; do libs[$lib]=1; done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$ldd_out")
  # DT_NEEDED of the binary; ldd tells where each resolves.
  while read -r soname; do
    path=$(awk -v s="$soname" '$1 == s && $2 == "=>" {print $3}' <<<"$ldd_out")
    [[ -n "$path" ]] || { echo "runtime-packages: $bin: $soname not resolved by ldd" >&2; exit 1; }
    direct[$path]=1
  done < <(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}')
done

# One dpkg-query for every library (it is slow per call), each under the
# names dpkg may know it by (merged /usr: /lib/... and /usr/lib/...).
declare -A candidate_of=()
for lib in "${!libs[@]}"; do
  for c in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do candidate_of[$c]=$lib; done
done
declare -A owner=()
while IFS=$'\t' read -r pkgs path; do
  lib="${candidate_of[$path]:-}"
  [[ -n "$lib" && -z "${owner[$lib]:-}" ]] && owner[$lib]="${pkgs%%[:,]*}"
done < <(dpkg-query -S "${!candidate_of[@]}" 2>/dev/null | sed 's/: \//\t\//')
for lib in "${!libs[@]}"; do
  [[ -n "${owner[$lib]:-}" ]] || { echo "runtime-packages: no Debian package owns $lib" >&2; exit 1; }
done

if ((all)); then
  for lib in "${!libs[@]}"; do echo "$lib ${owner[$lib]}"; done | sort
  exit 0
fi
for lib in "${!direct[@]}"; do
  case "${owner[$lib]}" in libc6 | libgcc-s1) ;; *) echo "${owner[$lib]}" ;; esac
done | sort -u
