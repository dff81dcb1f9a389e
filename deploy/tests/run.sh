#!/usr/bin/env bash
# The deploy checks of the test suite (ctest -L deploy), offline:
#
#   deploy/tests/run.sh helm      BUILD_DIR  chart rendered (default and production-like values),
#                                            values against values.schema.json, objects checked
#   deploy/tests/run.sh k8s       BUILD_DIR  kustomize base up to date with the chart; dev and
#                                            prod overlays rendered with kubectl kustomize, checked;
#                                            deploy/monitoring (PrometheusRule, dashboard ConfigMap)
#   deploy/tests/run.sh docker    BUILD_DIR  Dockerfile lint and rules, runtime libraries
#   deploy/tests/run.sh yamllint  BUILD_DIR  every YAML file under deploy/ and helm/ (not templates)
#   deploy/tests/run.sh alerts    BUILD_DIR  every alert rule has a promtool unit test that fires it
#
# "Checked" = check-manifests.mjs: Kubernetes OpenAPI schemas, policy
# (resources, probes, non-root, read-only root fs, pinned images), every
# variable `hbsync-<svc> --help` lists as required set, selectors consistent.
# Rendered files are left in BUILD_DIR/deploy/ to look at.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
check="$1"
build="$(cd "$2" && pwd)"
bin="$build/bin"
out="$build/deploy"
mkdir -p "$out"
export HBSYNC_GO_BUILD_DIR="$build/go"

if [[ ! -d "$root/deploy/tests/node_modules/kubernetes-models" ]]; then
  echo "deploy/tests/node_modules is missing: run scripts/setup.sh (npm ci --prefix deploy/tests)" >&2
  exit 1
fi
manifests() {  # manifests FILE [KINDS]
  node "$root/deploy/tests/check-manifests.mjs" "$1" --bin "$bin" ${2:+--expect-kinds "$2"}
}
expect_render_failure() {  # expect_render_failure MESSAGE VALUES-YAML
  local msg="$1" values="$out/bad-values.yaml" err
  printf '%s\n' "$2" >"$values"
  if err=$("$root/helm/render.sh" -chart "$root/helm/hbsync" -values "$values" 2>&1 >/dev/null); then
    echo "FAIL: the chart rendered with $2" >&2
    exit 1
  fi
  grep -q "$msg" <<<"$err" || { echo "FAIL: want \"$msg\", got: $err" >&2; exit 1; }
  echo "refused as expected: $msg"
}

case "$check" in
  helm)
    chart="$root/helm/hbsync"
    for name in default production; do
      args=(-chart "$chart" -name hbsync -namespace hbsync)
      [[ "$name" == production ]] && args+=(-values "$chart/ci/production-values.yaml")
      "$root/helm/render.sh" "${args[@]}" -dump-values >"$out/helm-$name-values.json"
      node "$root/deploy/tests/check-values.mjs" "$chart/values.schema.json" "$out/helm-$name-values.json"
      "$root/helm/render.sh" "${args[@]}" >"$out/helm-$name.yaml"
      kinds=Deployment,Service,ConfigMap,Ingress,HorizontalPodAutoscaler,PodDisruptionBudget,NetworkPolicy,Job
      [[ "$name" == production ]] && kinds+=",Secret,ServiceMonitor"
      manifests "$out/helm-$name.yaml" "$kinds"
    done
    expect_render_failure "image.tag must not be latest" $'image:\n  tag: latest'
    expect_render_failure "secrets.hubspotClientSecret is required" $'secrets:\n  create: true'
    expect_render_failure "kafka.sasl.username is required" $'kafka:\n  securityProtocol: SASL_SSL'
    # The policy check refuses a public address left on its loopback default.
    printf '%s\n' 'components:' '  admin:' '    env: {HBSYNC_ADMIN_PUBLIC_URL: "http://127.0.0.1:8080"}' \
      >"$out/loopback-values.yaml"
    "$root/helm/render.sh" -chart "$chart" -name hbsync -values "$out/loopback-values.yaml" \
      >"$out/helm-loopback.yaml"
    if err=$(manifests "$out/helm-loopback.yaml" 2>&1); then
      echo "FAIL: a loopback HBSYNC_ADMIN_PUBLIC_URL passed the policy check" >&2
      exit 1
    fi
    grep -q "HBSYNC_ADMIN_PUBLIC_URL is a loopback address" <<<"$err" ||
      { echo "FAIL: want the loopback refusal, got: $err" >&2; exit 1; }
    echo "refused as expected: a loopback HBSYNC_ADMIN_PUBLIC_URL"
    ;;
  k8s)
    "$root/deploy/k8s/generate-base.sh" --check
    command -v kubectl >/dev/null || { echo "kubectl is missing: run scripts/setup.sh" >&2; exit 1; }
    for overlay in dev prod; do
      kubectl kustomize "$root/deploy/k8s/overlays/$overlay" >"$out/k8s-$overlay.yaml" 2>"$out/k8s-$overlay.stderr" ||
        { cat "$out/k8s-$overlay.stderr" >&2; exit 1; }
      manifests "$out/k8s-$overlay.yaml" Deployment,Service,ConfigMap,Ingress,NetworkPolicy,Job
    done
    # The monitoring objects: PrometheusRule (up to date with the rules) and
    # the dashboard's ConfigMap for Grafana's sidecar.
    "$root/deploy/monitoring/generate.sh" --check
    kubectl kustomize "$root/deploy/monitoring" >"$out/k8s-monitoring.yaml" 2>"$out/k8s-monitoring.stderr" ||
      { cat "$out/k8s-monitoring.stderr" >&2; exit 1; }
    node "$root/deploy/tests/check-manifests.mjs" "$out/k8s-monitoring.yaml" --bin "$bin" \
      --expect-kinds PrometheusRule,ConfigMap --objects-only
    ;;
  docker)
    "$root/helm/render.sh" -chart "$root/helm/hbsync" >"$out/docker-helm.yaml"
    "$root/deploy/tests/docker-check.sh" "$bin" "$out/docker-helm.yaml" "$root/deploy/k8s/base/hbsync.yaml"
    ;;
  yamllint)
    cd "$root"
    mapfile -t files < <(find deploy helm -name node_modules -prune -o \( -name '*.yaml' -o -name '*.yml' \) \
      -not -path 'helm/hbsync/templates/*' -print | sort)
    yamllint --strict -c "$root/.yamllint.yaml" "${files[@]}"
    echo "yamllint: ${#files[@]} files clean"
    ;;
  alerts)
    rules="$root/deploy/monitoring/hbsync-alerts.yaml"
    tests="$root/deploy/monitoring/hbsync-alerts.test.yaml"
    missing=0
    for alert in $(sed -n 's/^ *- alert: *//p' "$rules"); do
      # a test of this alert that expects it to fire (exp_alerts not empty)
      if ! awk -v a="$alert" '$1 == "alertname:" {cur = $2} cur == a && $1 == "-" && $2 == "exp_labels:" {found = 1} END {exit !found}' "$tests"; then
        echo "FAIL: no promtool unit test fires $alert" >&2
        missing=1
      fi
      grep -q "^## $alert\$" "$root/docs/runbook.md" || { echo "FAIL: docs/runbook.md has no section \"## $alert\"" >&2; missing=1; }
    done
    ((missing == 0)) && echo "every alert has a unit test that fires it and a runbook section"
    exit $missing
    ;;
  *)
    echo "unknown check: $check" >&2
    exit 2
    ;;
esac
