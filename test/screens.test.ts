import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, DEFAULT_USER, type Standin } from './standin/server.js';
import { niftiGz } from './standin/nifti-file.js';
import { HAVE_SCRIPT, onTerminal, screen } from './helpers/terminal.js';

const ttyTest = HAVE_SCRIPT ? test : test.skip;
const DOI = '10.1016/j.neurobiolaging.2012.11.002';

describe('screens at 40, 80, 120 and 200 columns on a real terminal', () => {
  let nv: Standin;
  let work: string;
  before(async () => {
    nv = await startStandin({ collections: 30 });
    work = await mkdtemp(join(tmpdir(), 'nv-screens-'));
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  for (const cols of [40, 80, 120, 200]) {
    ttyTest(`the DOI query at ${cols} columns: the name readable, the DOI whole or absent, no line too long`, async () => {
      const run = await onTerminal(['--base-url', nv.url, 'collections', 'list', '--doi', DOI], { cols, env: { NO_COLOR: '1' } });
      assert.equal(run.code, 0, run.raw);
      const lines = screen(run.raw, cols).filter((l) => !l.startsWith('neurovault: '));
      const [head, row] = lines;
      for (const line of lines) assert.ok(line.length <= cols, `${cols}: ${line}`);
      assert.match(row!, new RegExp(`^${nv.seedDoiCollectionId} +Regional grey matter changes in`), lines.join('\n'));
      const name = row!.slice(head!.indexOf('name')).split(/ {2,}/)[0]!;
      assert.ok(name.length >= 20, `name cut to ${name}`);
      assert.doesNotMatch(head!, /…/, 'no header cut');
      if (head!.includes('DOI')) assert.ok(row!.includes(DOI), row);
      if (cols >= 80) assert.ok(row!.includes(DOI), `room for the DOI at ${cols}: ${row}`);
      if (cols >= 200) assert.match(head!, /modify_date/);
    });
  }

  ttyTest('after images upload the new image URL is whole: in the table at 80 columns, as key/value lines at 40', async () => {
    const mine = nv.addCollection({ name: 'screens uploads' }, 0).collection.id as number;
    const file = join(work, 'a.nii.gz');
    await writeFile(file, niftiGz(1, 4_000));
    for (const cols of [80, 40]) {
      const name = `an uploaded map with a long name at ${cols}`;
      const run = await onTerminal(['--base-url', nv.url, 'images', 'upload', '--collection', String(mine), file, '--map-type', 'T', '--modality', 'fMRI-BOLD', '--name', name], {
        cols,
        env: { NEUROVAULT_TOKEN: DEFAULT_USER.token, NO_COLOR: '1' },
      });
      assert.equal(run.code, 0, run.raw);
      const lines = screen(run.raw, cols);
      const url = new RegExp(`${nv.url.replace(/\./g, '\\.')}/images/\\d+/$`);
      if (cols === 80) assert.ok(lines.some((l) => /^\d+ /.test(l) && url.test(l) && l.length <= 80), lines.join('\n'));
      else assert.ok(lines.some((l) => /^url +http/.test(l) && url.test(l)), lines.join('\n'));
    }
  });
});
