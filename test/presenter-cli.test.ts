import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandin, type Standin } from './standin/server.js';
import { runCli } from './helpers/run-cli.js';
import { runTty, screenLines } from './helpers/run-tty.js';

const NIFTI = fileURLToPath(new URL('../../test/fixtures/nifti/mni152-2mm-tmap.nii.gz', import.meta.url));
const ttyTest = process.platform === 'win32' ? test.skip : test;

/** The same flag means the same on every command (issue 15, "Why"): each case here was wrong before. */
describe('one presenter: the same output flags on every command', () => {
  let nv: Standin;
  let home: string;
  const env = () => ({ XDG_CACHE_HOME: join(home, 'cache'), NEUROVAULT_URL: nv.url });
  const cli = (args: string[]) => runCli(args, { env: env(), cwd: home });

  before(async () => {
    nv = await startStandin({ collections: 8 });
    home = await mkdtemp(join(tmpdir(), 'nv-presenter-'));
    const sync = await cli(['catalog', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
  });
  after(async () => {
    await nv.close();
    await rm(home, { recursive: true, force: true });
  });

  test('--json a,b after the words of search, view and download picks fields (was: a search word, too many arguments, an invalid ref)', async () => {
    const search = await cli(['search', 'trap', '--json', 'id,name']);
    assert.equal(search.code, 0, search.stderr);
    const hits = JSON.parse(search.stdout) as object[];
    assert.ok(hits.length > 0);
    for (const h of hits) assert.deepEqual(Object.keys(h), ['id', 'name']);

    const view = await cli(['view', NIFTI, '--json', 'dims,peak']);
    assert.equal(view.code, 0, view.stderr);
    assert.deepEqual(Object.keys(JSON.parse(view.stdout) as object), ['dims', 'peak']);

    const dl = await cli(['download', String(nv.seedDoiCollectionId), '--out', join(home, 'dl'), '--json', 'bytes,fetched']);
    assert.equal(dl.code, 0, dl.stderr);
    assert.deepEqual(Object.keys(JSON.parse(dl.stdout) as object), ['bytes', 'fetched']);
  });

  test('--json id -o csv prints just that column (was: every header, blanks)', async () => {
    const r = await cli(['images', 'list', '--collection', String(nv.seedDoiCollectionId), '--json', 'id', '-o', 'csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split(/\r?\n/);
    assert.equal(lines[0], 'id');
    assert.ok(lines.slice(1).every((l) => /^\d+$/.test(l)), r.stdout);
  });

  test('a field no catalogue record has is exit 2 with a suggestion, also when nothing would match (was: exit 0, nothing)', async () => {
    const cases = [
      ['search', 'trap', '--where', 'nosuchfield=1'],
      ['search', 'trap', '--columns', 'id,nosuchcolumn'],
      ['images', 'list', '--search', 'trap', '--where', 'nosuchfield=1'],
      ['images', 'list', '--basic', '--where', 'map_typo=T'],
      ['download', '--search', 'trap', '--where', 'nosuchfield=1', '--dry-run', '--out', join(home, 'never')],
      ['images', 'list', '--basic', '--where', 'collection.DIO!=null'],
    ];
    for (const args of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /unknown field "(nosuchfield|nosuchcolumn|map_typo|collection\.DIO)"/, args.join(' '));
      assert.equal(r.stdout, '', 'nothing printed');
    }
    const typo = await cli(['images', 'list', '--basic', '--where', 'map_typo=T']);
    assert.match(typo.stderr, /did you mean map_type/);
  });

  test('--columns takes collection.<field> wherever --where does (was: refused on images list)', async () => {
    const id = nv.seedDoiCollectionId;
    const doi = String((nv.collection(id) as Record<string, unknown>).DOI);
    const live = await cli(['images', 'list', '--collection', String(id), '--columns', 'id,collection.DOI', '-o', 'tsv']);
    assert.equal(live.code, 0, live.stderr);
    const rows = live.stdout.trim().split('\n');
    assert.equal(rows[0], 'id\tcollection.DOI');
    assert.ok(rows.length > 1 && rows.slice(1).every((r) => r.endsWith(`\t${doi}`)), live.stdout);

    const picked = await cli(['images', 'list', '--collection', String(id), '--json', 'id,collection.DOI']);
    assert.equal(picked.code, 0, picked.stderr);
    const objects = JSON.parse(picked.stdout) as Record<string, unknown>[];
    assert.ok(objects.every((o) => o['collection.DOI'] === doi), picked.stdout);

    const catalogue = await cli(['images', 'list', '--basic', '--columns', 'id,collection.DOI', '-o', 'tsv', '--limit', '5']);
    assert.equal(catalogue.code, 0, catalogue.stderr);
    assert.equal(catalogue.stdout.split('\n')[0], 'id\tcollection.DOI');

    const json = await cli(['images', 'list', '--collection', String(id), '-o', 'json', '--limit', '1']);
    assert.equal((JSON.parse(json.stdout) as Record<string, unknown>[])[0]!['collection.DOI'], undefined, 'the server object stays as it was');
  });

  test('a global output flag a command does not read is a usage error naming the command', async () => {
    const r = await cli(['catalog', 'path', '--columns', 'id']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--columns does not apply to 'catalog path'/);
    assert.match(r.stderr, /neurovault catalog path --help/);
  });

  ttyTest('on a terminal, search says "showing n of m" and that nothing matched, as lists do', async () => {
    const capped = await runTty(['search', 'trap', '--limit', '1'], { cols: 100, env: env() });
    assert.equal(capped.code, 0, capped.screen);
    assert.ok(screenLines(capped.screen).some((l) => /showing 1 of \d+ — use --all or --limit/.test(l)), capped.screen);
    const none = await runTty(['search', 'zzzqqqnothing'], { cols: 100, env: env() });
    assert.equal(none.code, 0, none.screen);
    assert.ok(screenLines(none.screen).some((l) => /no hits/.test(l)), none.screen);
    const empty = await runTty(['images', 'list', '--collection', String(nv.seedDoiCollectionId), '--where', 'name=nothing-like-this'], { cols: 100, env: env() });
    assert.ok(screenLines(empty.screen).some((l) => /no images match/.test(l)), empty.screen);
  });

  test('search scores are never negative, higher is better', async () => {
    const r = await cli(['search', 'trap', '--images', '-o', 'json']);
    const scores = (JSON.parse(r.stdout) as { score: number }[]).map((h) => h.score);
    assert.ok(scores.length > 0 && scores.every((s) => s >= 0), String(scores));
    assert.deepEqual([...scores].sort((a, b) => b - a), scores, 'best first');
  });
});
