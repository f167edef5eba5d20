#!/usr/bin/env bash
# `view` of a 2 MB map (MNI 2 mm, float32, noise everywhere: ~2.2 MB gzipped, like a typical NeuroVault
# statistic map) on a terminal, against its budget: 2 × (`neurovault --version` + gunzip of the file).
# `view` runs under script(1), so its stdout is a pseudo-terminal (the TTY case: half-blocks at the
# terminal's width); --version and gunzip run bare, so script's own cost counts against view only.
# All commands are interleaved by one hyperfine run: the machine is shared, only ratios within a run count.
# Needs hyperfine, script (util-linux) and python3-nibabel (writes the map).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/bundle/main.js ] || npm run build --silent
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
map="$out/tmap-2mm.nii.gz"
sed "s|OUT|$map|" bench/view-map.json >"$out/jobs.json"
/usr/bin/python3 test/helpers/nibabel_ref.py "$out/jobs.json" >/dev/null
echo "map: $(stat -c %s "$map") bytes gzipped, $(gunzip -c "$map" | wc -c) bytes of NIfTI"
export TERM=xterm-256color COLUMNS=100
unset KITTY_WINDOW_ID TERM_PROGRAM
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$out/view.json" \
  "gunzip -c $map" \
  'node bin/neurovault.js --version' \
  "script -qec 'node bin/neurovault.js view $map' /dev/null" \
  "node bin/neurovault.js view $map" >/dev/null
node bench/summarize.mjs "$out/view.json" "gunzip -c (baseline)" 'neurovault --version' \
  'neurovault view, stdout a TTY (script)' 'neurovault view, stdout piped'
node -e '
const { results } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const med = (r) => { const s = [...r.times].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const [gz, version, tty] = results.map(med);
const budget = 2 * (version + gz);
for (const [i, r] of results.entries()) console.log(`${["gunzip", "--version", "view (TTY)", "view (piped)"][i]}: CPU user+sys mean ${((r.user + r.system) * 1000).toFixed(1)} ms`);
console.log(`\nbudget 2 × (--version ${(version * 1000).toFixed(1)} ms + gunzip ${(gz * 1000).toFixed(1)} ms) = ${(budget * 1000).toFixed(1)} ms; view on a TTY ${(tty * 1000).toFixed(1)} ms = ${(tty / budget).toFixed(2)} of the budget`);
' "$out/view.json"
