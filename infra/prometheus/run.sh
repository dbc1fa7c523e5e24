#!/usr/bin/env bash
# Starts Prometheus with TileMUD's scrape config and rules (npm run prometheus).
#   PROMETHEUS_DATA   where the TSDB lives     (default .data/prometheus in the repository)
#   PROMETHEUS_LISTEN its web/API address      (default 127.0.0.1:9090)
#   PROMETHEUS_RETENTION how long data is kept (default 30d: the SLO's window)
# Extra arguments are passed to prometheus. Needs Debian's `prometheus` package
# (apt-get install -y prometheus) or any prometheus binary on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v prometheus >/dev/null 2>&1; then
  echo "prometheus is not installed: apt-get install -y prometheus (Debian), or put a prometheus binary on PATH" >&2
  exit 1
fi
data="${PROMETHEUS_DATA:-$root/.data/prometheus}"
mkdir -p "$data"
exec prometheus \
  --config.file="$here/prometheus.yml" \
  --storage.tsdb.path="$data" \
  --storage.tsdb.retention.time="${PROMETHEUS_RETENTION:-30d}" \
  --web.listen-address="${PROMETHEUS_LISTEN:-127.0.0.1:9090}" \
  --web.enable-lifecycle \
  "$@"
