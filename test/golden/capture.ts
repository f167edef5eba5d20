// Writes test/fixtures/golden/<case>.out from the current build: run once, from main's code, before a
// change that must keep piped and machine-format output byte-identical.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { goldenCases, runGolden, withGoldenStandin } from './cases.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/golden/', import.meta.url));
await mkdir(dir, { recursive: true });
await withGoldenStandin(async (nv) => {
  for (const [name, args] of Object.entries(goldenCases(nv))) {
    const r = await runGolden(nv, args);
    if (r.code !== 0) throw new Error(`${name}: exit ${r.code}`);
    await writeFile(`${dir}${name}.out`, r.stdout);
  }
});
