#!/usr/bin/env bash
# neurovault download vs curl (parallel and one at a time) on the local stand-in, with a bare-undici floor
# for reference; see bench/download-bench.ts.
#   bash bench/download.sh [--rounds 5] [--files 500] [--file-bytes 204800] [--latencies 0,20] [--dir /tmp]
# NODE_BIN picks the node that runs the CLI and the floor (default: `node` on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v curl >/dev/null || { echo "bench/download.sh needs curl" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/download.sh needs GNU time for peak RSS (apt-get install -y time)" >&2; exit 2; }
npm run build --silent
# The floor is bundled like the CLI, so both pay the same start-up for undici.
node esbuild.config.mjs dist/bench/undici-floor.js dist/bench/undici-floor.bundle.js
exec node dist/bench/download-bench.js "$@"
