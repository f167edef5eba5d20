#!/usr/bin/env node
// Reads hyperfine --export-json files and prints each command's median (and min–max), plus its ratio
// to the first command (the baseline measured in the same run). The CPU column (user + system, mean) is
// the steadier figure when other work shares the machine: waiting for a core counts in wall time only.
// Several files (rounds of the same commands, in the same order) are pooled: rounds interleave the
// commands, so the machine's drift over a long run hits each alike.
//   node bench/summarize.mjs <file.json>... [label...]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith('.json'));
const labels = args.filter((a) => !a.endsWith('.json'));
const asArray = (x) => (Array.isArray(x) ? x : [x]);
const results = [];
for (const file of files) {
  JSON.parse(readFileSync(file, 'utf8')).results.forEach((r, i) => {
    const into = (results[i] ??= { command: r.command, times: [], user: [], system: [] });
    into.times.push(...r.times);
    into.user.push(...asArray(r.user));
    into.system.push(...asArray(r.system));
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (x) => (Array.isArray(x) ? x.reduce((a, b) => a + b, 0) / x.length : x);
const cpu = (r) => mean(r.user) + mean(r.system);
const base = median(results[0].times);
const baseCpu = cpu(results[0]);
console.log('| command | runs | median | min–max | ratio to first | CPU | CPU ratio |');
console.log('|---|---|---|---|---|---|---|');
results.forEach((r, i) => {
  const med = median(r.times);
  const name = labels[i] ?? r.command;
  const ms = (x) => `${(x * 1000).toFixed(1)} ms`;
  console.log(
    `| ${name} | ${r.times.length} | ${ms(med)} | ${ms(Math.min(...r.times))}–${ms(Math.max(...r.times))} | ${(med / base).toFixed(2)}x | ${ms(cpu(r))} | ${(cpu(r) / baseCpu).toFixed(2)}x |`,
  );
});
