import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, type Standin } from './standin/server.js';
import { runCli } from './helpers/run-cli.js';

const SEED_DOI = '10.1016/j.neurobiolaging.2012.11.002';
const TOKEN = '0123456789abcdef0123456789abcdef01234567';

describe('query commands against the stand-in (DOI filter ignored, 2,600+ collections)', () => {
  let nv: Standin;
  let cache: string;
  const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['--base-url', nv.url, ...args], { env: { XDG_CACHE_HOME: cache, ...env } });

  before(async () => {
    nv = await startStandin({ collections: 2600, doiFilter: 'ignored' });
    cache = await mkdtemp(join(tmpdir(), 'nv-cache-'));
  });
  after(async () => {
    await nv.close();
    await rm(cache, { recursive: true, force: true });
  });

  test('--doi finds exactly the matching collection, unknown keys included, in every DOI form', async () => {
    const expected = nv.collection(nv.seedDoiCollectionId) as Record<string, unknown>;
    const outputs: string[] = [];
    for (const form of [SEED_DOI, `doi:${SEED_DOI}`, `https://doi.org/${SEED_DOI}`, SEED_DOI.toUpperCase()]) {
      const r = await cli(['collections', 'list', '--doi', form, '-o', 'json', '--no-cache', '-v']);
      assert.equal(r.code, 0, r.stderr);
      const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
      assert.equal(rows.length, 1, form);
      assert.equal(rows[0]!.id, nv.seedDoiCollectionId);
      assert.deepEqual(Object.keys(rows[0]!), Object.keys(expected), 'every server key kept, in order');
      assert.match(r.stderr, /scanned/, 'says with -v that it scanned');
      outputs.push(r.stdout);
    }
    assert.ok(outputs.every((o) => o === outputs[0]));
  });

  test('the scan fetches pages of 1000 by offset, not 100 at a time', async () => {
    nv.requests.length = 0;
    const r = await cli(['collections', 'list', '--doi', SEED_DOI, '-o', 'json', '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    const lists = nv.requests.filter((q) => q.path.startsWith('/api/collections/?'));
    // Distinct pages (a retry under load repeats one): offsets 0, 1000, 2000, none past the count.
    const pages = new Set(lists.map((q) => new URL(q.path, nv.url).searchParams.get('offset') ?? '0'));
    assert.deepEqual([...pages].sort(), ['0', '1000', '2000']);
    assert.ok(lists.every((q) => q.path.includes('limit=1000')));
  });

  test('a repeat lookup is answered from the cached index without a request', async () => {
    await cli(['collections', 'list', '--doi', SEED_DOI, '-o', 'json']);
    nv.requests.length = 0;
    const r = await cli(['collections', 'list', '--doi', SEED_DOI, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].id, nv.seedDoiCollectionId);
    assert.equal(nv.requests.length, 0);
    assert.equal(r.stderr, '', 'a fresh index is no news (no "cached 0 min ago")');
    const verbose = await cli(['collections', 'list', '--doi', SEED_DOI, '-o', 'json', '-v']);
    assert.match(verbose.stderr, /answered from the collection index cached just now/);
    assert.ok((await readdir(join(cache, 'neurovault-cli'))).some((f) => f.startsWith('doi-index-') && !f.endsWith('.tmp')));
  });

  test('a cold lookup on a server that ignores ?DOI= says nothing of server internals without -v', async () => {
    const r = await cli(['collections', 'list', '--doi', SEED_DOI, '--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\?DOI=|scanned/);
  });

  test('--doi X --name foo: the pair matches nothing, and the message says so (not that no collection has the DOI)', async () => {
    const r = await cli(['collections', 'list', '--doi', SEED_DOI, '--name', 'foo']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, new RegExp(`^neurovault: collection ${nv.seedDoiCollectionId} has DOI ${SEED_DOI.replace(/\./g, '\\.')} but does not match --name "foo"$`, 'm'));
    assert.match(r.stderr, /^hint: drop it to list what has the DOI$/m);
  });

  test('a DOI that matches nothing exits 4', async () => {
    const r = await cli(['collections', 'list', '--doi', '10.9999/does.not.exist', '--no-cache']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^neurovault: no collection has DOI 10\.9999\/does\.not\.exist$/m);
  });

  test('with the filter honoured, the first page answers and nothing is scanned', async () => {
    const honest = await startStandin({ collections: 50, doiFilter: 'honoured' });
    try {
      const r = await runCli(['--base-url', honest.url, 'collections', 'list', '--doi', SEED_DOI, '-o', 'json'], {
        env: { XDG_CACHE_HOME: cache },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).length, 1);
      // The first page answers, alone.
      assert.equal(honest.requests.length, 1);
      assert.ok(honest.requests.every((q) => q.path.includes('DOI=')));
      assert.doesNotMatch(r.stderr, /scanned/);
    } finally {
      await honest.close();
    }
  });

  test('images list --all returns every image of a 1,250-image collection once', async () => {
    const r = await cli(['images', 'list', '--collection', String(nv.bigCollectionId), '--all', '-o', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const ids = lines.map((l) => (JSON.parse(l) as { id: number }).id);
    assert.equal(ids.length, 1250);
    assert.equal(new Set(ids).size, 1250);
  });

  test('--limit caps the list; --where filters locally', async () => {
    const r = await cli(['images', 'list', '--collection', String(nv.bigCollectionId), '--limit', '7', '-o', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 7);
    const w = await cli(['images', 'list', '--collection', '1615', '--where', 'random_property_1=42', '-o', 'json']);
    assert.equal(w.code, 0, w.stderr);
    const rows = JSON.parse(w.stdout) as Record<string, unknown>[];
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((x) => x.random_property_1 === 42));
  });

  test('--where on collection.<field> fetches each image\'s collection once', async () => {
    nv.requests.length = 0;
    const id = String(nv.seedDoiCollectionId);
    const r = await cli(['images', 'list', '--collection', id, '--all', '--where', `collection.DOI=${SEED_DOI.toUpperCase()}`, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { collection_id: number }[];
    assert.ok(rows.length >= 2);
    assert.ok(rows.every((x) => x.collection_id === nv.seedDoiCollectionId));
    assert.equal(nv.requests.filter((q) => q.path === `/api/collections/${id}/`).length, 1);
    const none = await cli(['images', 'list', '--collection', id, '--all', '--where', 'collection.DOI=null', '-o', 'json']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout.trim(), '[]');
  });

  test('piped output is plain TSV: no colour, no box characters', async () => {
    const r = await cli(['collections', 'list', '--limit', '5'], { FORCE_COLOR: '1', TERM: 'xterm-256color' });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 6, 'header + 5 rows');
    assert.equal(lines[0], 'id\tname\tDOI\tnumber_of_images\towner_name\tmodify_date');
    assert.doesNotMatch(r.stdout, /\u001b\[|[│─┌┐└┘┼]/);
  });

  test('usage errors exit 2 with one line and send no request', async () => {
    nv.requests.length = 0;
    for (const args of [
      ['collections', 'list', '-o', 'xml'],
      ['collections', 'get', 'not-an-id'],
      ['images', 'get', '12x'],
      ['images', 'list', '--where', 'map_type'],
      ['images', 'list', '--where', 'x~[unclosed'],
      ['collections', 'list', '--doi', 'not-a-doi'],
      ['collections', 'list', '--limit', '0'],
    ]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^neurovault: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(nv.requests.length, 0);
  });

  test('a 404 on a ref names the thing (exit 4); --verbose adds the request', async () => {
    for (const [args, what] of [
      [['collections', 'get', '99999999'], 'collection 99999999'],
      [['images', 'get', '5'], 'image 5'],
      [['images', 'list', '--collection', '99999999'], 'collection 99999999'],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 4, r.stderr);
      assert.equal(r.stderr, `neurovault: ${what} not found\n`);
    }
    const v = await cli(['-v', 'collections', 'get', '99999999']);
    assert.equal(v.code, 4);
    assert.match(v.stderr, /^neurovault: collection 99999999 not found$/m);
    assert.match(v.stderr, /GET http:\/\/\S+\/api\/collections\/99999999\/: 404: Not found\./);
  });

  test('an HTML error page exits 1 with one line and no stack', async () => {
    nv.faults.api.failNext.push({ pathPrefix: '/api/collections/1615/', kind: '500html', count: 10 });
    const r = await cli(['--retries', '0', 'collections', 'get', '1615']);
    nv.faults.api.failNext.length = 0;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /HTML error page/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test('a transient 502 is retried transparently', async () => {
    nv.faults.api.failNext.push({ pathPrefix: '/api/collections/1615/', kind: '502', count: 2 });
    const r = await cli(['collections', 'get', '1615', '-o', 'json']);
    nv.faults.api.failNext.length = 0;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).id, 1615);
  });

  test('private collections by token; by numeric id → 403 → exit 3 with a hint', async () => {
    const byToken = await cli(['collections', 'get', nv.privateToken, '-o', 'json'], { NEUROVAULT_TOKEN: TOKEN });
    assert.equal(byToken.code, 0, byToken.stderr);
    const id = (JSON.parse(byToken.stdout) as { id: number }).id;
    const byId = await cli(['collections', 'get', String(id)], { NEUROVAULT_TOKEN: TOKEN });
    assert.equal(byId.code, 3);
    assert.match(byId.stderr, /hint: .*token/);
  });

  test('the token never reaches stdout or stderr, also with -v', async () => {
    const ok = await cli(['-v', 'collections', 'get', '1615', '-o', 'json'], { NEUROVAULT_TOKEN: TOKEN });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /> GET /, 'verbose log is on');
    const bad = await cli(['-v', 'collections', 'get', '1615'], { NEUROVAULT_TOKEN: `${TOKEN}ff` });
    assert.equal(bad.code, 3, 'a wrong token is rejected even on a public GET');
    for (const r of [ok, bad]) {
      assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    }
    const sent = nv.requests.filter((q) => q.headers.authorization);
    assert.ok(sent.length > 0 && sent.every((q) => q.headers.authorization!.startsWith('Token ')));
  });

  test('a bearer scheme against a Token server says what is wrong', async () => {
    const r = await cli(['--auth-scheme', 'bearer', 'collections', 'list', '--limit', '1'], { NEUROVAULT_TOKEN: TOKEN });
    // Bearer is ignored by the server (anonymous), so public reads still work.
    assert.equal(r.code, 0, r.stderr);
  });
});
