import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startStandin, type Standin } from './standin/server.js';
import { GOLDEN_STANDIN, goldenCases, runGolden } from './golden/cases.js';

const dir = fileURLToPath(new URL('../../test/fixtures/golden/', import.meta.url));

// The case names do not depend on the stand-in's port, so they are listed with a placeholder.
const names = Object.keys(goldenCases({ seedDoiCollectionId: 0 } as Standin));

describe('piped and -o json/ndjson/csv/tsv output is byte-identical to what main printed before issue 11', () => {
  let nv: Standin;
  before(async () => {
    nv = await startStandin(GOLDEN_STANDIN);
  });
  after(() => nv.close());

  for (const name of names) {
    test(name, async () => {
      const args = goldenCases(nv)[name]!;
      const r = await runGolden(nv, args);
      assert.equal(r.code, 0, name);
      assert.equal(r.stdout, await readFile(`${dir}${name}.out`, 'utf8'), args.join(' '));
    });
  }
});
