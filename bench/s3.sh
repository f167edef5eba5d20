#!/usr/bin/env bash
# S3 transfer benchmark: neurovault s3 cp vs aws-cli 2.9.19 on a local s3rver, interleaved (see s3-bench.mjs).
# NODE_BIN picks the node that runs the CLI (default: `node` on PATH); s3rver runs on PATH's node.
#   bash bench/s3.sh [--rounds 5] [--only up-200M,down-200M,up-500,down-500,up-1K]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/aws ] || { echo "needs aws-cli v2 at /usr/bin/aws (apt-get install awscli)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -f dist/bundle/main.js ] || npm run build --silent
exec node bench/s3-bench.mjs "$@"
