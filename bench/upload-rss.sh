#!/usr/bin/env bash
# Peak RSS of `neurovault images upload` for a 50 MiB map, measured by GNU time (`/usr/bin/time -v`,
# Debian package `time`) against the local stand-in running in its own process. The budget is 120 MiB:
# the file must stream from disk, never be held whole. Also measured: a 50 MiB plain .nii, which is
# gzipped to a temp file first. Prints a markdown table; exits 1 if any run is over the budget.
# NODE_BIN picks the node that runs the CLI (default: `node` on PATH); the stand-in runs on PATH's node.
#   RUNS=3 SIZE_MIB=50 LIMIT_MIB=120 NODE_BIN=/path/to/node bench/upload-rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
node=$(command -v "${NODE_BIN:-node}")
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-50}
LIMIT_MIB=${LIMIT_MIB:-120}
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
  exit 2
fi
[ -f dist/bundle/main.js ] && [ -f dist/test/standin/cli.js ] || npm run build --silent

work=$(mktemp -d)
standin_pid=
cleanup() {
  [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Test files: a gzipped NIfTI-1 of exactly SIZE_MIB MiB (stored deflate blocks, so it does not shrink),
# and the plain .nii inside it.
node --input-type=module -e "
  import { writeFileSync } from 'node:fs';
  import { gunzipSync } from 'node:zlib';
  import { niftiGz } from './dist/test/standin/nifti-file.js';
  const gz = niftiGz(42, ${SIZE_MIB} * 1024 * 1024);
  writeFileSync('$work/map.nii.gz', gz);
  writeFileSync('$work/plain.nii', gunzipSync(gz));
"

node dist/test/standin/cli.js --collections 2 >"$work/standin.json" &
standin_pid=$!
for _ in $(seq 100); do [ -s "$work/standin.json" ] && break; sleep 0.1; done
url=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/standin.json','utf8')).url)")
token=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/standin.json','utf8')).token)")
# The default user's private collection, addressed by its token as a real user would.
collection=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/standin.json','utf8')).privateToken)")

measure() { # <file> → prints peak RSS in KiB
  NEUROVAULT_TOKEN=$token /usr/bin/time -v -o "$work/time.txt" \
    "$node" bin/neurovault.cjs --base-url "$url" images upload --collection "$collection" "$1" \
    --map-type T --modality fMRI-BOLD --name "rss-$RANDOM" -o json >"$work/out.json"
  node -e "const [img] = JSON.parse(require('fs').readFileSync('$work/out.json','utf8')); if (!img || !img.id) process.exit(1)"
  awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt"
}

echo "Peak RSS of images upload, $("$node" -v)"
echo
echo "| file | size | runs | peak RSS (max of runs) | budget |"
echo "|---|---|---|---|---|"
status=0
for file in map.nii.gz plain.nii; do
  peak=0
  for _ in $(seq "$RUNS"); do
    kib=$(measure "$work/$file")
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  mib=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
  bytes=$(stat -c %s "$work/$file")
  size=$(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }')
  verdict=$(awk -v m="$mib" -v l="$LIMIT_MIB" 'BEGIN { print (m < l) ? "ok" : "OVER" }')
  [ "$verdict" = ok ] || status=1
  echo "| $file | $size | $RUNS | $mib MiB | < $LIMIT_MIB MiB $verdict |"
done
exit $status
