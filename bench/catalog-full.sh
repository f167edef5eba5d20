#!/usr/bin/env bash
# The catalogue at full size: a NeuroVault-sized stand-in (10,000 collections / 270,000 images), on
# loopback, no added latency.
#   1. `neurovault catalog sync` once: wall time, peak RSS (/usr/bin/time -v), database size per image
#   2. `neurovault search "working memory"` and `neurovault catalog path` against `node -e 0` and
#      `neurovault --version` (hyperfine, interleaved, clean environment as in startup.sh; ratio of
#      medians), beside the query alone (bench/fts-floor.mjs: the same ranking statements in a bare node
#      process), and the search's peak RSS (max of 3 runs)
# Expensive (the stand-in builds 270,000 image objects first, ~1 GB of RAM): run it once, on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/test/standin/cli.js ] || npm run build --silent
out=$(mktemp -d)
node dist/test/standin/cli.js --collections 0 --population-collections "${COLLECTIONS:-10000}" \
  --population-images "${IMAGES:-270000}" >"$out/standin.json" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$out"' EXIT
for _ in $(seq 100); do [ -s "$out/standin.json" ] && break; sleep 0.1; done
url=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).url)' "$out/standin.json")
export XDG_CACHE_HOME="$out/cache"
nv="node bin/neurovault.cjs --base-url $url"
curl -s "$url/api/images/?limit=1" >/dev/null   # builds the lazily generated images before timing

echo "### Full-size sync"
/usr/bin/time -v $nv catalog sync 2>"$out/sync.time"
grep -E 'catalogue:' "$out/sync.time"
wall=$(grep 'Elapsed (wall clock)' "$out/sync.time" | awk '{print $NF}')
rss=$(grep 'Maximum resident' "$out/sync.time" | awk '{print $NF}')
$nv catalog status -o json >"$out/status.json"
node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`| wall | peak RSS | collections | images | database | per image |`);
console.log(`|---|---|---|---|---|---|`);
console.log(`| ${process.argv[2]} | ${(Number(process.argv[3]) / 1024).toFixed(0)} MiB | ${s.collections} | ${s.images} | ${(s.bytes / 1048576).toFixed(0)} MiB | ${s.bytes_per_image} B |`);
' "$out/status.json" "$wall" "$rss"

echo
echo "### search \"working memory\" vs node -e 0"
runs=${RUNS:-15}
node_bin=$(command -v node)
env -i HOME="$HOME" PATH=/usr/bin:/bin XDG_CACHE_HOME="$XDG_CACHE_HOME" "$(command -v hyperfine)" -N --warmup 3 --runs "$runs" \
  --export-json "$out/search.json" \
  "$node_bin -e 0" \
  "$node_bin bin/neurovault.cjs --version" \
  "$node_bin bin/neurovault.cjs --base-url $url catalog path" \
  "$node_bin bin/neurovault.cjs --base-url $url search \"working memory\" -o tsv" \
  "$node_bin bench/fts-floor.mjs $(node bin/neurovault.cjs --base-url "$url" catalog path) working memory" >/dev/null
node bench/summarize.mjs "$out/search.json" 'node -e 0 (baseline)' 'neurovault --version' 'neurovault catalog path' 'neurovault search "working memory"' \
  'the query alone (bench/fts-floor.mjs)'
max=0
for _ in 1 2 3; do
  /usr/bin/time -v $nv search "working memory" -o tsv >/dev/null 2>"$out/search.time"
  r=$(grep 'Maximum resident' "$out/search.time" | awk '{print $NF}')
  [ "$r" -gt "$max" ] && max=$r
done
echo "search peak RSS (max of 3): $((max / 1024)) MiB"
