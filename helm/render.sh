#!/usr/bin/env bash
# Renders the chart like `helm template` without the helm binary: builds
# helm/render (Go text/template + Debian's sprig, helm/README.md) into
# $HBSYNC_GO_BUILD_DIR (default build/go) when its source changed, then runs
# it with the arguments given (tests may build it concurrently: each builds to
# its own file and renames it into place), e.g.
#
#   helm/render.sh -chart helm/hbsync -values helm/hbsync/ci/production-values.yaml
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${HBSYNC_GO_BUILD_DIR:-$root/build/go}"
mkdir -p "$out"
renderer="$out/hbsync-helm-render"
if [[ ! -x "$renderer" || "$root/helm/render/main.go" -nt "$renderer" ]]; then
  # GOPATH mode over Debian's Go packages (golang-github-masterminds-sprig-dev,
  # golang-gopkg-yaml.v2-dev): no module download, works offline.
  (cd "$root/helm/render" &&
    GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/cache" GOFLAGS= \
      go build -o "$renderer.$$" . && mv -f "$renderer.$$" "$renderer")
fi
exec "$renderer" "$@"
