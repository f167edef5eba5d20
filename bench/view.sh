#!/usr/bin/env bash
# `view` of a 2 MB map (MNI 2 mm, float32, noise everywhere: ~2.2 MB gzipped, like a typical NeuroVault
# statistic map) on a terminal, against its budget: 2 × (`neurovault --version` + gunzip of the file).
# The TTY case runs under script(1), so stdout is a pseudo-terminal (half-blocks at the terminal's
# width), and is compared with --version under script too; the piped case with bare --version.
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
# script(1) costs a pty and a shell: it wraps both --version and view in the TTY pair, so it cancels out.
hyperfine -N --warmup 3 --runs "${RUNS:-20}" --export-json "$out/view.json" \
  "gunzip -c $map" \
  'node bin/neurovault.cjs --version' \
  "node bin/neurovault.cjs view $map" \
  "script -qec 'node bin/neurovault.cjs --version' /dev/null" \
  "script -qec 'node bin/neurovault.cjs view $map' /dev/null" >/dev/null
node bench/summarize.mjs "$out/view.json" "gunzip -c (baseline)" 'neurovault --version' 'neurovault view, stdout piped' \
  'neurovault --version, stdout a TTY (script)' 'neurovault view, stdout a TTY (script)'
node -e '
const { results } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const med = (r) => { const s = [...r.times].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const [gz, version, piped, ttyVersion, tty] = results.map(med);
const ms = (x) => `${(x * 1000).toFixed(1)} ms`;
const cpu = (r) => `${((r.user + r.system) * 1000).toFixed(1)} ms`;
console.log(`\nCPU (user+sys, mean): gunzip ${cpu(results[0])}, --version ${cpu(results[1])}, view ${cpu(results[2])}`);
console.log(`TTY:   view ${ms(tty)} vs budget 2 × (--version ${ms(ttyVersion)} + gunzip ${ms(gz)}) = ${ms(2 * (ttyVersion + gz))}: ${(tty / (2 * (ttyVersion + gz))).toFixed(2)} of it`);
console.log(`piped: view ${ms(piped)} vs budget 2 × (--version ${ms(version)} + gunzip ${ms(gz)}) = ${ms(2 * (version + gz))}: ${(piped / (2 * (version + gz))).toFixed(2)} of it`);
' "$out/view.json"
