#!/usr/bin/env bash
# Regenerates deploy/k8s/base/hbsync.yaml from the Helm chart, so the base and
# the chart never drift apart. `--check` compares instead of writing (the
# test deploy_k8s does that).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="$root/deploy/k8s/base/hbsync.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$root/helm/render.sh" -chart "$root/helm/hbsync" -values "$root/deploy/k8s/base-values.yaml" \
  -name hbsync >"$tmp/rendered.yaml"
node "$root/deploy/tests/helm-to-base.mjs" "$tmp/rendered.yaml" >"$tmp/hbsync.yaml"
if [[ "${1:-}" == "--check" ]]; then
  if ! diff -u "$target" "$tmp/hbsync.yaml"; then
    echo "FAIL: deploy/k8s/base/hbsync.yaml is not what the chart renders; run deploy/k8s/generate-base.sh" >&2
    exit 1
  fi
  echo "deploy/k8s/base/hbsync.yaml matches the chart"
else
  cp "$tmp/hbsync.yaml" "$target"
  echo "wrote $target"
fi
