// Issue 17: the CLI against the stand-in's `realApp` mode, which serves what NeuroVault's own 2025 app
// served when run locally (API.md §12): 2025 fields, Django-served files, hex tokens for API-created
// private collections.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_USER, startStandin, type Standin } from './standin/server.js';
import { SEED } from './standin/seed.js';
import { runCli } from './helpers/run-cli.js';

type Obj = Record<string, unknown>;

const collectionListRequests = (nv: Standin, from = 0) =>
  nv.requests.slice(from).filter((q) => q.origin === 'api' && q.path.startsWith('/api/collections/?'));

describe('DOI lookups match preprint_DOI too; images say sex or gender', () => {
  let nv: Standin;
  let cache: string;
  const cli = (args: string[]) => runCli(['--base-url', nv.url, ...args], { env: { XDG_CACHE_HOME: cache } });

  before(async () => {
    nv = await startStandin({ collections: 30, realApp: true });
    cache = await mkdtemp(join(tmpdir(), 'nv-realapp-'));
  });
  after(async () => {
    await nv.close();
    await rm(cache, { recursive: true, force: true });
  });

  test('the stand-in serves the 2025 fields', () => {
    const c = nv.collection(nv.preprintCollectionId!)!;
    assert.equal(c.preprint_DOI, SEED.preprintDoi);
    assert.equal(c.publication_status, 'submitted');
    const keys = Object.keys(c);
    assert.deepEqual(keys.slice(keys.indexOf('DOI') - 1, keys.indexOf('DOI') + 2), ['publication_status', 'DOI', 'preprint_DOI']);
    const image = nv.store.imagesOf(nv.store.collections.get(nv.preprintCollectionId!)!)[0]!.obj;
    assert.ok('sex' in image && !('gender' in image));
    assert.ok('gender' in nv.image(24375)!, 'the recorded images keep gender');
  });

  test("a preprint's DOI finds its collection in the live scan, then from the cached index", async () => {
    const form = `https://doi.org/${SEED.preprintDoi.toUpperCase()}`;
    const scan = await cli(['collections', 'list', '--doi', form, '-o', 'json', '-v']);
    assert.equal(scan.code, 0, scan.stderr);
    assert.deepEqual((JSON.parse(scan.stdout) as Obj[]).map((c) => c.id), [nv.preprintCollectionId]);
    assert.match(scan.stderr, /scanned/, 'said with -v');

    const from = nv.requests.length;
    const cached = await cli(['collections', 'list', '--doi', SEED.preprintDoi, '-o', 'json']);
    assert.equal(cached.code, 0, cached.stderr);
    assert.deepEqual((JSON.parse(cached.stdout) as Obj[]).map((c) => c.id), [nv.preprintCollectionId]);
    assert.equal(nv.requests.length, from, 'no request');
    // The same index answers the paper's DOI of a collection that has both.
    const both = await cli(['collections', 'list', '--doi', SEED.seedPreprintDoi, '-o', 'json']);
    assert.deepEqual((JSON.parse(both.stdout) as Obj[]).map((c) => c.id), [nv.seedDoiCollectionId]);
    assert.equal(nv.requests.length, from, 'no request');
  });

  test('download <preprint doi> plans the images of that collection', async () => {
    const r = await cli(['download', `doi:${SEED.preprintDoi}`, '--dry-run', '-o', 'json', '--out', join(cache, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    const planned = JSON.parse(r.stdout) as Obj[];
    assert.equal(planned.length, 2);
    assert.ok(planned.every((p) => p.collection_id === nv.preprintCollectionId));
  });

  test('--where reads sex and gender under either name', async () => {
    const bySex = await cli(['images', 'list', '--collection', String(nv.preprintCollectionId), '--where', 'gender=F', '-o', 'json']);
    assert.equal(bySex.code, 0, bySex.stderr);
    assert.deepEqual((JSON.parse(bySex.stdout) as Obj[]).map((i) => i.sex), ['F']);
    const byGender = await cli(['images', 'list', '--collection', '1615', '--where', 'sex=null', '-o', 'json']);
    assert.equal(byGender.code, 0, byGender.stderr);
    assert.equal((JSON.parse(byGender.stdout) as Obj[]).length, 5);
  });

  test('the catalogue finds a collection by its preprint DOI', async () => {
    const sync = await cli(['catalog', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    const r = await cli(['search', SEED.preprintDoi, '--collections', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const hits = JSON.parse(r.stdout) as Obj[];
    assert.deepEqual(hits.map((h) => h.id), [nv.preprintCollectionId]);
    assert.equal(hits[0]!.matched, 'preprint_DOI');
  });
});

describe('no request past the end of a DOI scan', () => {
  test("the first page's count decides the rest: 117 collections are one request", async () => {
    const nv = await startStandin({ collections: 100, realApp: true });
    const cache = await mkdtemp(join(tmpdir(), 'nv-realapp-'));
    try {
      const count = [...nv.store.collections.values()].filter((c) => !c.token).length;
      assert.ok(count > 100 && count < 1000, `count ${count}`);
      const r = await runCli(['--base-url', nv.url, 'collections', 'list', '--doi', SEED.preprintDoi, '-o', 'json'], {
        env: { XDG_CACHE_HOME: cache },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        collectionListRequests(nv).map((q) => new URL(q.path, nv.url).searchParams.get('offset')),
        [null],
      );
    } finally {
      await nv.close();
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe('files as the real app serves them (no ETag, Range ignored, Content-Encoding: utf-8)', () => {
  let nv: Standin;
  let work: string;
  const cli = (args: string[]) => runCli(['--base-url', nv.url, ...args], { env: { XDG_CACHE_HOME: work } });
  const fileRequests = (from: number) => nv.requests.slice(from).filter((q) => q.origin === 'api' && q.path.startsWith('/media/images/'));

  before(async () => {
    nv = await startStandin({ collections: 4, realApp: true, fileBytes: 64 * 1024 });
    work = await mkdtemp(join(tmpdir(), 'nv-realapp-files-'));
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  test('the stand-in answers a Range with 200, the whole file and Content-Encoding: utf-8', async () => {
    const im = nv.store.imagesOf(nv.store.collections.get(nv.sixtyCollectionId)!)[0]!;
    const res = await fetch(String(im.obj.file), { headers: { range: 'bytes=10-' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'utf-8');
    assert.equal(res.headers.get('etag'), null);
    assert.equal(Buffer.from(await res.arrayBuffer()).length, nv.fileBody(im.id).length);
  });

  test('a cut download restarts from byte 0 on the next run: the 200 is never spliced onto the .part', async () => {
    const { collection, images } = nv.addCollection({ name: 'cut files' }, 3);
    const out = join(work, 'cut');
    Object.assign(nv.faults, { fileFailRate: 1, kinds: ['truncate'], maxFailuresPerFile: 1 });
    try {
      const first = await cli(['download', String(collection.id), '--out', out, '--retries', '0']);
      assert.equal(first.code, 1, first.stderr);
      const from = nv.requests.length;
      const second = await cli(['download', String(collection.id), '--out', out]);
      assert.equal(second.code, 0, second.stderr);
      const asked = fileRequests(from);
      assert.equal(asked.length, 3);
      assert.ok(asked.every((q) => q.status === 200 && q.headers.range !== undefined), 'each kept .part was offered for resuming');
    } finally {
      Object.assign(nv.faults, { fileFailRate: 0 });
    }
    for (const im of images) {
      const id = im.id as number;
      assert.deepEqual(readFileSync(join(out, `collection_${collection.id}`, `image_${id}.nii.gz`)), nv.fileBody(id));
    }
    const verify = await cli(['verify', out]);
    assert.equal(verify.code, 0, verify.stderr);
  });

  test('a file_size 0 image is listed as missing on the server, without a request for it', async () => {
    const out = join(work, 'broken');
    const from = nv.requests.length;
    const r = await cli(['download', String(nv.brokenFilesCollectionId), '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`image ${nv.missingFileImageId} \\(collection ${nv.brokenFilesCollectionId}\\): the file is missing on the server`));
    assert.match(r.stderr, /1 of 3 images failed/);
    const missingFile = new URL(String(nv.image(nv.missingFileImageId)!.file)).pathname;
    assert.ok(!fileRequests(from).some((q) => q.path === missingFile));
    assert.equal(fileRequests(from).length, 2);
  });
});

describe('hints that say the right thing', () => {
  let nv: Standin;
  const TOKEN = DEFAULT_USER.token;
  const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['--base-url', nv.url, ...args], { env: { NEUROVAULT_TOKEN: TOKEN, ...env } });

  before(async () => {
    nv = await startStandin({ collections: 4, realApp: true });
  });
  after(() => nv.close());

  test('with --auth-scheme bearer the hint shows the header the server wants, not "Authorization: ***"', async () => {
    const r = await cli(['--auth-scheme', 'bearer', 'collections', 'create', '--name', 'bearer try']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^hint: the server asks for "Authorization: Token <key>" but --auth-scheme is bearer/m);
    assert.doesNotMatch(r.stderr, /Authorization: \*\*\*/);
    assert.ok(!r.stderr.includes(TOKEN));
  });

  test('a 403 says "private" only for a private collection, and names the token that works', async () => {
    const own = await cli(['collections', 'get', String(nv.privateCollectionId)]);
    assert.equal(own.code, 3, own.stderr);
    assert.match(own.stderr, new RegExp(`^hint: collection ${nv.privateCollectionId} is private: .* use its token ${nv.privateToken} instead$`, 'm'));
    const other = nv.store.addCollection({ name: 'someone else’s secret', private: true, owner: 42 });
    const theirs = await cli(['collections', 'get', String(other.id)]);
    assert.equal(theirs.code, 3, theirs.stderr);
    assert.match(theirs.stderr, new RegExp(`^hint: collection ${other.id} is private: the API answers 403 to its numeric id`, 'm'));
    const pub = await cli(['images', 'upload', '--collection', '1615', 'test/fixtures/nifti/mni152-2mm-tmap.nii.gz', '--map-type', 'T', '--modality', 'fMRI-BOLD']);
    assert.equal(pub.code, 3, pub.stderr);
    assert.match(pub.stderr, /^hint: only the owner or a contributor/m);
    assert.doesNotMatch(pub.stderr, /private|8-letter/);
  });

  test('collections create --private on the real app says what was made and what will not work, offering no token', async () => {
    const r = await cli(['collections', 'create', '--name', 'Secret on the real app', '--private', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as Obj;
    const hex = /\/collections\/([0-9a-f]{8})\/$/.exec(String(created.url))?.[1];
    assert.ok(hex, String(created.url));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`created collection ${String(created.id)} as private, but NeuroVault's API cannot reach it: its token "${hex}"`));
    assert.match(lines[0]!, /HTTP 500.*403.*404.*without --private/);
    const get = await cli(['collections', 'get', String(created.id)]);
    assert.equal(get.code, 3, get.stderr);
    assert.match(get.stderr, /^hint: collection \d+ is private, and NeuroVault's API cannot reach it/m);
    assert.doesNotMatch(get.stderr, /use its token|8-letter token in its web URL/);
  });

  test('a 500 HTML page is one line naming the URL', async () => {
    nv.faults.api.failNext.push({ pathPrefix: '/api/collections/', kind: '500html', count: 1 });
    const r = await cli(['collections', 'get', String(nv.sixtyCollectionId), '--retries', '0']);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `neurovault: GET ${nv.url}/api/collections/${nv.sixtyCollectionId}/: 500: the server sent an HTML error page ("Server Error (500)"), not JSON`,
    ]);
  });
});
