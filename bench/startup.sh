#!/usr/bin/env bash
# Start-up cost of `neurovault --version` and `--help` against bare `node -e 0`, in ROUNDS rounds of RUNS
# runs of each command (hyperfine), pooled: the rounds interleave the commands, so drift on this shared,
# noisy machine hits all alike (only ratios within one invocation mean anything).
# Both sides run in a clean environment (`env -i` with only HOME and PATH): a variable such as
# NODE_EXTRA_CA_CERTS makes every node process load a CA bundle at start, which would inflate the
# baseline and hide the CLI's own cost. NODE_BIN picks the node binary (default: `node` on PATH).
#   NODE_BIN=/path/to/node ROUNDS=10 RUNS=5 bash bench/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/bundle/main.js ] || npm run build --silent
node=$(command -v "${NODE_BIN:-node}")
out=$(mktemp -d)
echo "### Start-up, $("$node" -v), clean environment, ${ROUNDS:-10} rounds of ${RUNS:-5} runs"
for round in $(seq 1 "${ROUNDS:-10}"); do
  env -i HOME="$HOME" PATH=/usr/bin:/bin "$(command -v hyperfine)" -N --warmup 2 --runs "${RUNS:-5}" \
    --export-json "$out/round-$round.json" \
    "$node -e 0" \
    "$node bin/neurovault.cjs --version" \
    "$node bin/neurovault.cjs --help" \
    "$node bin/neurovault.cjs collections list --help" \
    "$node bin/neurovault.cjs completion bash" >/dev/null
done
node bench/summarize.mjs "$out"/round-*.json 'node -e 0 (baseline)' 'neurovault --version' 'neurovault --help' 'neurovault collections list --help' 'neurovault completion bash (builds the whole tree)'
rm -rf "$out"
