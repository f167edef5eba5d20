#!/usr/bin/env bash
# CI re-run over a complete folder (issue 19): today's re-run and --frozen against the lock install; see
# bench/lock-rerun.ts.   bash bench/lock-rerun.sh [--files 1000] [--rounds 5] [--api-latency 0,100]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "bench/lock-rerun.sh needs GNU time (apt-get install -y time)" >&2; exit 2; }
npm run build --silent
exec node dist/bench/lock-rerun.js "$@"
