import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, DEFAULT_USER, type Standin } from './standin/server.js';
import { niftiGz } from './standin/nifti-file.js';
import { runCli } from './helpers/run-cli.js';
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

  ttyTest('TERM=dumb: no escape sequence at all (no spinner, bar, erase or synchronised output), on every screen', async () => {
    const out = join(work, 'dumb');
    const api = ['--base-url', nv.url];
    const runs: string[][] = [
      [...api, 'download', String(nv.sixtyCollectionId), '--out', out, '--max-images', '6'],
      ['verify', out],
      [...api, 'collections', 'list', '--limit', '3'],
      [...api, 'images', 'get', '24375'],
      [...api, 'view', '396069', '--threshold', '3'],
      [...api, 'view', '396069', '--png', '-'],
    ];
    for (const args of runs) {
      const run = await onTerminal(args, { cols: 80, env: { TERM: 'dumb', XDG_CACHE_HOME: join(work, 'cache') } });
      assert.equal(run.code, args.includes('-') ? 2 : 0, `${args.join(' ')}: ${run.raw}`);
      assert.doesNotMatch(run.raw, /\x1b/, `${args.join(' ')}: ${JSON.stringify(run.raw.slice(0, 300))}`);
      assert.doesNotMatch(run.raw, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏█░▀▄]/, args.join(' '));
    }
  });

  ttyTest('NO_COLOR on a terminal: tables and view draw no colour', async () => {
    for (const args of [['collections', 'list', '--limit', '3'], ['view', '396070'], ['images', 'get', '396070']]) {
      const run = await onTerminal(['--base-url', nv.url, ...args], { cols: 80, env: { NO_COLOR: '1', XDG_CACHE_HOME: join(work, 'cache') } });
      assert.equal(run.code, 0, run.raw);
      assert.doesNotMatch(run.raw, /\x1b\[[0-9;]*m/, args.join(' '));
    }
  });

  ttyTest('view --png - on a terminal is refused (exit 2): a PNG is not for the screen', async () => {
    const run = await onTerminal(['--base-url', nv.url, 'view', '396069', '--png', '-'], { cols: 80, env: { XDG_CACHE_HOME: join(work, 'cache') } });
    assert.equal(run.code, 2);
    assert.match(screen(run.raw, 80).join('\n'), /--png - writes a PNG to stdout, which is a terminal/);
  });

  ttyTest('catalog status on a terminal: the sync time with its age, bytes with their size, each said once', async () => {
    const env = { NO_COLOR: '1', XDG_CACHE_HOME: join(work, 'catalog-cache') };
    const sync = await onTerminal(['--base-url', nv.url, 'catalog', 'sync'], { cols: 80, env });
    assert.equal(sync.code, 0, sync.raw);
    assert.match(screen(sync.raw, 80).join('\n'), /catalogue: [\d,]+ collections, [\d,]+ images, /);
    const run = await onTerminal(['--base-url', nv.url, 'catalog', 'status'], { cols: 80, env });
    assert.equal(run.code, 0, run.raw);
    const lines = screen(run.raw, 80);
    assert.ok(lines.some((l) => /^synced_at +\d{4}-\d\d-\d\d \d\d:\d\d \((just now|\d+ minutes? ago)\)$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^bytes +[\d.]+ [KM]iB \(\d+ bytes\)$/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => /^(age|size) /.test(l)), `no duplicate: ${lines.join('\n')}`);
  });

  ttyTest('--json on a terminal: indented and coloured (gh); NO_COLOR: indented, plain; piped: as before', async () => {
    const args = ['--base-url', nv.url, 'collections', 'list', '--limit', '2', '--json', 'id,name'];
    const coloured = await onTerminal(args, { cols: 80 });
    assert.equal(coloured.code, 0, coloured.raw);
    assert.match(coloured.raw, /^\[\r\n {2}\{\r\n {4}\u001b\[1;34m"id"\u001b\[0m: \u001b\[36m\d+\u001b\[0m,/);
    assert.match(coloured.raw, /\u001b\[32m"Synthetic collection 1"\u001b\[0m/);
    const plain = await onTerminal(args, { cols: 80, env: { NO_COLOR: '1' } });
    assert.deepEqual(screen(plain.raw, 80).slice(0, 4), ['[', '  {', '    "id": 20001,', '    "name": "Synthetic collection 1"']);
    const piped = await runCli(args);
    assert.equal(piped.stdout.split('\n')[1], '{"id":20001,"name":"Synthetic collection 1"},');
  });

  ttyTest('output taller than the terminal goes through $NEUROVAULT_PAGER; short output, --no-pager and pipes do not', async () => {
    const pager = { NEUROVAULT_PAGER: "sed 's/^/paged: /'", NO_COLOR: '1' };
    const long = ['--base-url', nv.url, 'images', 'list', '--collection', String(nv.sixtyCollectionId)];
    const paged = await onTerminal(long, { cols: 80, env: pager });
    assert.equal(paged.code, 0, paged.raw);
    const lines = screen(paged.raw, 80).filter((l) => !l.startsWith('neurovault: '));
    assert.ok(lines.length > 40 && lines.every((l) => l.startsWith('paged: ')), lines.slice(0, 3).join('\n'));
    const unpaged = await onTerminal([...long, '--no-pager'], { cols: 80, env: pager });
    assert.ok(!screen(unpaged.raw, 80).some((l) => l.startsWith('paged: ')), '--no-pager');
    const short = await onTerminal(['--base-url', nv.url, 'collections', 'list', '--limit', '3'], { cols: 80, env: pager });
    assert.ok(!screen(short.raw, 80).some((l) => l.startsWith('paged: ')), 'fits: no pager');
    const piped = await runCli(long, { env: pager });
    assert.doesNotMatch(piped.stdout, /paged: /);
  });
});
