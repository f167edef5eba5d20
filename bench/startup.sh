#!/usr/bin/env bash
# Start-up cost of `neurovault --version` and `--help` against bare `node -e 0`, interleaved by hyperfine
# in one run (the machine is shared and noisy: only ratios within a run mean anything).
# Both sides run in a clean environment (`env -i` with only HOME and PATH): a variable such as
# NODE_EXTRA_CA_CERTS makes every node process load a CA bundle at start, which would inflate the
# baseline and hide the CLI's own cost. NODE_BIN picks the node binary (default: `node` on PATH).
#   NODE_BIN=/path/to/node RUNS=15 bash bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/bundle/main.js ] || npm run build --silent
node=$(command -v "${NODE_BIN:-node}")
out=$(mktemp -d)
echo "### Start-up, $("$node" -v), clean environment"
# The first run of each command (warm-up) also fills the CLI's compile cache on Node >= 22.1.
env -i HOME="$HOME" PATH=/usr/bin:/bin "$(command -v hyperfine)" -N --warmup 3 --runs "${RUNS:-15}" \
  --export-json "$out/startup.json" \
  "$node -e 0" \
  "$node bin/neurovault.js --version" \
  "$node bin/neurovault.js --help" \
  "$node bin/neurovault.js collections list --help" >/dev/null
node bench/summarize.mjs "$out/startup.json" 'node -e 0 (baseline)' 'neurovault --version' 'neurovault --help' 'neurovault collections list --help'
rm -rf "$out"
