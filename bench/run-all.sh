#!/usr/bin/env bash
# Every benchmark once, with the README's settings (`npm run bench`). NODE_BIN picks the node that runs the
# CLI (default: `node` on PATH); ROUNDS sets the rounds of the download and S3 benchmarks (default 5).
#   NODE_BIN=/path/to/node24/bin/node ROUNDS=3 bash bench/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
bash bench/startup.sh
echo
bash bench/doi-lookup.sh
echo
bash bench/download.sh --rounds "$rounds"
echo
bash bench/lock-rerun.sh --rounds "$rounds"
echo
bash bench/upload-rss.sh
echo
bash bench/s3.sh --rounds "$rounds"
