#!/usr/bin/env bash
# Regenerates deploy/monitoring/prometheusrule.yaml (the alert rules as a
# Prometheus Operator PrometheusRule) from hbsync-alerts.yaml. `--check`
# compares instead of writing (the test deploy_alerts does that).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="$root/deploy/monitoring/prometheusrule.yaml"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
node "$root/deploy/tests/alerts-to-prometheusrule.mjs" "$root/deploy/monitoring/hbsync-alerts.yaml" >"$tmp"
if [[ "${1:-}" == "--check" ]]; then
  diff -u "$target" "$tmp" || {
    echo "FAIL: deploy/monitoring/prometheusrule.yaml is out of date; run deploy/monitoring/generate.sh" >&2
    exit 1
  }
  echo "deploy/monitoring/prometheusrule.yaml matches hbsync-alerts.yaml"
else
  cp "$tmp" "$target"
  echo "wrote $target"
fi
