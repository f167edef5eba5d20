#!/usr/bin/env bash
# DOI lookup over 3,000 collections on a stand-in that ignores ?DOI= and adds 50 ms to every API request:
#   1. ours, no cache (parallel pages of 1000)  vs  following `next` 100 at a time (nilearn's way) and
#      following `next` 1000 at a time (the fastest sequential walk)
#   2. ours, answered from the cached index     vs  `node -e 0` and `neurovault --version`
# Each pair is timed by hyperfine in one interleaved run; ratios are of medians. NODE_BIN picks the node
# that runs the CLI and the baseline script (default: `node` on PATH); the stand-in runs on PATH's node.
set -euo pipefail
cd "$(dirname "$0")/.."
node=$(command -v "${NODE_BIN:-node}")
[ -f dist/test/standin/cli.js ] || npm run build --silent
out=$(mktemp -d)
node dist/test/standin/cli.js --collections 3000 --api-latency "${LATENCY_MS:-50}" >"$out/standin.json" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 50); do [ -s "$out/standin.json" ] && break; sleep 0.1; done
url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).url)' "$out/standin.json")
doi=10.1016/j.neurobiolaging.2012.11.002
export XDG_CACHE_HOME="$out/cache"
# Timed in a clean environment, as in startup.sh: NODE_EXTRA_CA_CERTS (set on some machines) makes Node 20
# load a CA bundle at every start, inflating the --version baseline.
clean=(env -i HOME="$HOME" PATH=/usr/bin:/bin XDG_CACHE_HOME="$XDG_CACHE_HOME" "$(command -v hyperfine)")
nv="$node bin/neurovault.cjs --base-url $url"
runs=${RUNS:-7}

echo "### DOI lookup, 3,000 collections, ${LATENCY_MS:-50} ms per API request, $("$node" -v)"
"${clean[@]}" -N --warmup 1 --runs "$runs" --export-json "$out/scan.json" \
  "$node bench/follow-next.mjs $url $doi" \
  "$node bench/follow-next.mjs $url $doi 1000" \
  "$nv collections list --doi $doi -o json --no-cache -q" >/dev/null
node bench/summarize.mjs "$out/scan.json" 'follow next, 100 per page (baseline)' 'follow next, 1000 per page' 'neurovault, parallel pages of 1000'

echo
echo "### Repeat lookup from the cached index"
$nv collections list --doi $doi -o json -q >/dev/null   # builds the index
"${clean[@]}" -N --warmup 3 --runs "$((runs * 2))" --export-json "$out/cached.json" \
  "$node -e 0" \
  "$node bin/neurovault.cjs --version" \
  "$nv collections list --doi $doi -o json -q" >/dev/null
node bench/summarize.mjs "$out/cached.json" 'node -e 0 (baseline)' 'neurovault --version' 'neurovault --doi, cached index'
