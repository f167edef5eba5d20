#!/usr/bin/env bash
# Start-up cost of `neurovault --version` and `--help` against bare `node -e 0`, interleaved by hyperfine
# in one run (the machine is shared and noisy: only ratios within a run mean anything).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/bundle/main.js ] || npm run build --silent
out=$(mktemp -d)
hyperfine -N --warmup 3 --runs "${RUNS:-15}" --export-json "$out/startup.json" \
  'node -e 0' \
  'node bin/neurovault.js --version' \
  'node bin/neurovault.js --help' \
  'node bin/neurovault.js collections list --help' >/dev/null
node bench/summarize.mjs "$out/startup.json" 'node -e 0 (baseline)' 'neurovault --version' 'neurovault --help' 'neurovault collections list --help'
rm -rf "$out"
