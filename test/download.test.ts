import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, DEFAULT_USER, type Standin, type RecordedRequest } from './standin/server.js';
import { runCli, type RunOptions } from './helpers/run-cli.js';
import type { ManifestEntry } from '../src/download/manifest.js';
import { HAVE_SCRIPT, onTerminal } from './helpers/terminal.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Entry = ManifestEntry;

function manifest(out: string): Map<number, Entry> {
  const text = readFileSync(join(out, 'manifest.jsonl'), 'utf8');
  const entries = new Map<number, Entry>();
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as Entry;
    assert.deepEqual(Object.keys(e), ['id', 'collection_id', 'path', 'bytes', 'sha256', 'modify_date', 'metadata']);
    entries.set(e.id, e);
  }
  return entries;
}

/** Every file under `dir`, relative. */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`],
  );
}

const fileRequests = (nv: Standin, since = 0): RecordedRequest[] =>
  nv.requests.slice(since).filter((r) => r.path.startsWith('/media/images/'));

const byPath = new WeakMap<Standin, Map<string, number>>();

/** Which image a recorded file request was for. */
function imageOfRequest(nv: Standin, r: RecordedRequest): number {
  const path = new URL(r.path, 'http://x').pathname;
  let map = byPath.get(nv);
  if (!map?.has(path)) {
    map = new Map();
    for (const im of nv.store.allImages()) map.set(new URL(String(im.obj.file)).pathname, im.id);
    byPath.set(nv, map);
  }
  const id = map.get(path);
  if (id === undefined) throw new Error(`no image for ${r.path}`);
  return id;
}

/** Checks every image of a collection against the stand-in's bytes: final file, sidecar, manifest. */
function assertComplete(nv: Standin, out: string, collectionId: number, ids: number[]): void {
  const entries = manifest(out);
  for (const id of ids) {
    const e = entries.get(id);
    assert.ok(e, `image ${id} missing from the manifest`);
    const body = nv.fileBody(id);
    assert.equal(e.sha256, sha256(body), `image ${id}: manifest sha256`);
    assert.equal(e.bytes, body.length);
    assert.equal(e.path, `collection_${collectionId}/image_${id}.nii.gz`);
    assert.equal(e.modify_date, nv.image(id)!.modify_date);
    assert.deepEqual(e.metadata, nv.image(id));
    assert.equal(sha256(readFileSync(join(out, e.path))), e.sha256, `image ${id}: bytes on disk`);
    assert.deepEqual(JSON.parse(readFileSync(join(out, `collection_${collectionId}/image_${id}_metadata.json`), 'utf8')), nv.image(id));
  }
  assert.deepEqual(JSON.parse(readFileSync(join(out, `collection_${collectionId}/collection_metadata.json`), 'utf8')), nv.collection(collectionId));
  assert.deepEqual(walk(out).filter((f) => f.endsWith('.part') || f.includes('.tmp-') || f.endsWith('.nvpart') || f.endsWith('.lock')), []);
}

const imageIds = (nv: Standin, collectionId: number) => nv.store.imagesOf(nv.store.collections.get(collectionId)!).map((i) => i.id);

describe('download against the stand-in', () => {
  let nv: Standin;
  let work: string;
  const cli = (args: string[], opts: RunOptions = {}) => runCli(['--base-url', nv.url, ...args], opts);

  before(async () => {
    nv = await startStandin({ collections: 4 });
    work = await mkdtemp(join(tmpdir(), 'nv-download-'));
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  test('60 images under 30% file faults: exit 0, every sha256 right, no *.part; a re-run makes no file request', async () => {
    const out = join(work, 'sixty');
    Object.assign(nv.faults, { fileFailRate: 0.3, kinds: ['502', '429', 'reset', 'truncate'], maxFailuresPerFile: 2, retryAfterSeconds: 1, seed: 7 });
    const start = nv.requests.length;
    const t0 = Date.now();
    const r = await cli(['download', String(nv.sixtyCollectionId), '--out', out]);
    const elapsed = Date.now() - t0;
    nv.faults.fileFailRate = 0;
    assert.equal(r.code, 0, r.stderr);
    const reqs = fileRequests(nv, start);
    const failed = reqs.filter((q) => q.status !== 200 && q.status !== 206);
    assert.ok(failed.length >= 10, `faults were injected (${failed.length} failed requests)`);
    assert.ok(reqs.some((q) => q.status === 429), 'a 429 was served');
    // A truncated body is continued, not restarted.
    assert.ok(reqs.some((q) => q.headers.range && q.status === 206), 'a truncated file was resumed with Range');
    assert.ok(elapsed >= 1000, 'Retry-After: 1 was waited out');
    assert.ok(reqs.every((q) => q.headers['accept-encoding'] === 'identity'));
    assertComplete(nv, out, nv.sixtyCollectionId, imageIds(nv, nv.sixtyCollectionId));
    assert.equal(manifest(out).size, 60);
    assert.match(r.stderr, /fetched 60, skipped 0, failed 0/);

    const again = nv.requests.length;
    const r2 = await cli(['download', String(nv.sixtyCollectionId), '--out', out, '-o', 'json']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(fileRequests(nv, again).length, 0, 'the re-run asked for no file');
    const summary = JSON.parse(r2.stdout);
    assert.equal(summary.skipped, 60);
    assert.equal(summary.fetched, 0);
    assertComplete(nv, out, nv.sixtyCollectionId, imageIds(nv, nv.sixtyCollectionId));
  });

  test('a missing file (file_size 0, 404) exits 1 naming it, never asked for; the hostile name writes nothing outside --out', async () => {
    const parent = join(work, 'broken-parent');
    const out = join(parent, 'deep', 'out');
    const from = nv.requests.length;
    const r = await cli(['download', String(nv.brokenFilesCollectionId), '--out', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`image ${nv.missingFileImageId} \\(collection ${nv.brokenFilesCollectionId}\\): the file is missing on the server`));
    assert.ok(!fileRequests(nv, from).some((q) => imageOfRequest(nv, q) === nv.missingFileImageId), 'no request for a file_size 0 file');
    assert.match(r.stderr, /1 of 3 images failed/);
    const ok = imageIds(nv, nv.brokenFilesCollectionId).filter((id) => id !== nv.missingFileImageId);
    assertComplete(nv, out, nv.brokenFilesCollectionId, ok);
    assert.ok(!manifest(out).has(nv.missingFileImageId));
    // Only the layout exists: the server's "../../x.nii.gz" became image_<id>.nii.gz inside the collection folder.
    assert.deepEqual(walk(parent).filter((f) => !f.startsWith('deep/out/')), []);
    assert.ok(existsSync(join(out, `collection_${nv.brokenFilesCollectionId}/image_${nv.hostileFileImageId}.nii.gz`)));
    assert.ok(!existsSync(join(out, `collection_${nv.brokenFilesCollectionId}/image_${nv.missingFileImageId}.nii.gz`)));
    assert.ok(!walk(work).some((f) => f.endsWith('x.nii.gz')));
  });

  test('an HTML page served with 200 is never accepted', async () => {
    const out = join(work, 'trap');
    const r = await cli(['download', String(nv.htmlTrapCollectionId), '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTML/);
    assert.deepEqual(walk(out).filter((f) => f.endsWith('.nii.gz') || f.endsWith('.part')), []);
  });

  test('no Authorization header reaches a file origin other than the base URL', async () => {
    const sep = await startStandin({ collections: 1, fileOrigin: 'separate' });
    try {
      const out = join(work, 'separate');
      const r = await runCli(['--base-url', sep.url, 'download', String(sep.seedDoiCollectionId), '--out', out], {
        env: { NEUROVAULT_TOKEN: DEFAULT_USER.token },
      });
      assert.equal(r.code, 0, r.stderr);
      const files = sep.requests.filter((q) => q.origin === 'file');
      assert.ok(files.length >= 2);
      assert.ok(files.every((q) => q.headers.authorization === undefined), 'token sent to the file origin');
      assert.ok(sep.requests.filter((q) => q.origin === 'api').every((q) => q.headers.authorization === `Token ${DEFAULT_USER.token}`));
    } finally {
      await sep.close();
    }
  });

  test('--dry-run prints the plan and requests no file', async () => {
    const out = join(work, 'dry');
    const start = nv.requests.length;
    const r = await cli(['download', String(nv.sixtyCollectionId), '--out', out, '--dry-run', '--max-images', '5']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fileRequests(nv, start).length, 0);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], 'id\tcollection_id\tbytes\tpath');
    assert.equal(lines.length, 6);
    const first = imageIds(nv, nv.sixtyCollectionId)[0]!;
    assert.equal(lines[1], `${first}\t${nv.sixtyCollectionId}\t${nv.image(first)!.file_size}\tcollection_${nv.sixtyCollectionId}/image_${first}.nii.gz`);
    assert.ok(!existsSync(out), 'a dry run writes nothing');
    const json = await cli(['download', String(nv.sixtyCollectionId), '--dry-run', '--max-images', '2', '-o', 'json']);
    assert.deepEqual(Object.keys(JSON.parse(json.stdout)[0]), ['id', 'collection_id', 'bytes', 'path']);
  });

  test('refs: DOI forms, image:, URLs; an image reached twice is fetched once', async () => {
    const doi = String(nv.collection(nv.seedDoiCollectionId)!.DOI);
    const ids = imageIds(nv, nv.seedDoiCollectionId);
    for (const ref of [doi, `doi:${doi.toUpperCase()}`, `https://doi.org/${doi}`, `collection:${nv.seedDoiCollectionId}`, `${nv.url}/collections/${nv.seedDoiCollectionId}/`]) {
      const r = await cli(['download', ref, '--dry-run', '-o', 'ndjson']);
      assert.equal(r.code, 0, `${ref}: ${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).id), ids, ref);
    }
    const img = ids[0]!;
    for (const ref of [`image:${img}`, `${nv.url}/images/${img}/`]) {
      const r = await cli(['download', ref, '--dry-run', '-o', 'ndjson']);
      assert.equal(r.code, 0, `${ref}: ${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).id), [img], ref);
    }
    const out = join(work, 'twice');
    const start = nv.requests.length;
    const r = await cli(['download', `image:${img}`, String(nv.seedDoiCollectionId), doi, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const perImage = fileRequests(nv, start).map((q) => imageOfRequest(nv, q));
    assert.deepEqual([...perImage].sort(), [...ids].sort(), 'each image requested exactly once');
    assert.deepEqual([...manifest(out).keys()].sort(), [...ids].sort());
  });

  test('a private collection by token', async () => {
    const r = await cli(['download', nv.privateToken, '--dry-run', '-o', 'ndjson'], { env: { NEUROVAULT_TOKEN: DEFAULT_USER.token } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 2);
  });

  test('malformed refs and flags exit 2 before any request', async () => {
    const cases: string[][] = [
      ['download', 'not-a-ref'],
      ['download', '10.1234'],
      ['download', 'image:abc'],
      ['download', '1615', '--shard', '3/3'],
      ['download', '1615', '--shard', '1'],
      ['download', '1615', '--concurrency', '0'],
      ['download', '1615', '--max-images', 'x'],
      ['download', '1615', '--frozen'],
      ['download', '1615', '--where', 'nonsense'],
      ['download', '1615', '--lock', join(work, 'nope.lock'), '--frozen'],
      ['download', '1615', '--out', 'ftp://x/y'],
    ];
    if (!existsSync(new URL('../src/download/s3-sink.js', import.meta.url))) cases.push(['download', '1615', '--out', 's3://bucket/prefix']);
    for (const args of cases) {
      const start = nv.requests.length;
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^neurovault: /m);
      assert.equal(nv.requests.length, start, `${args.join(' ')} made a request`);
    }
  });

  test('--where filters and --max-images caps', async () => {
    const r = await cli(['download', String(nv.brokenFilesCollectionId), '--where', 'map_type=Z map', '--dry-run', '-o', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l).id), [nv.hostileFileImageId]);
    const c = await cli(['download', String(nv.sixtyCollectionId), '--where', 'collection.name~sixty', '--max-images', '7', '--dry-run', '-o', 'ndjson']);
    assert.equal(c.stdout.trim().split('\n').length, 7);
  });

  test('--shard i/n: three shards writing one folder at once add up to the whole collection', async () => {
    const out = join(work, 'shards');
    const results = await Promise.all(
      [0, 1, 2].map((i) => cli(['download', String(nv.sixtyCollectionId), '--out', out, '--shard', `${i}/3`, '-q'])),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const ids = imageIds(nv, nv.sixtyCollectionId);
    assertComplete(nv, out, nv.sixtyCollectionId, ids);
    assert.equal(manifest(out).size, 60);
    const plan = await cli(['download', String(nv.sixtyCollectionId), '--shard', '1/3', '--dry-run', '-o', 'ndjson']);
    const shardIds = plan.stdout.trim().split('\n').map((l) => JSON.parse(l).id as number);
    assert.deepEqual(shardIds, ids.filter((id) => id % 3 === 1));
  });

  test('--lock then --frozen: same data passes; a changed file or modify_date exits 5', async () => {
    const col = nv.addCollection({ name: 'lock test' }, 4);
    const cid = col.collection.id as number;
    const ids = col.images.map((i) => i.id as number);
    const lock = join(work, 'nv.lock');
    const r1 = await cli(['download', String(cid), '--out', join(work, 'lock1'), '--lock', lock]);
    assert.equal(r1.code, 0, r1.stderr);
    const written = JSON.parse(await readFile(lock, 'utf8'));
    assert.equal(written.lockfileVersion, 2);
    assert.deepEqual(written.images.map((e: { id: number }) => e.id), ids);
    assert.equal(written.images[0].sha256, sha256(nv.fileBody(ids[0]!)));

    const r2 = await cli(['download', String(cid), '--out', join(work, 'lock2'), '--lock', lock, '--frozen']);
    assert.equal(r2.code, 0, r2.stderr);

    // Same modify_date and size, different (valid) bytes: only the sha256 can tell.
    const rec = nv.store.getImage(ids[1]!)!;
    const changed = nv.fileBody(ids[0]!);
    assert.equal(changed.length, nv.fileBody(ids[1]!).length);
    rec.fileMode = 'uploaded';
    rec.upload = { bytes: changed } as typeof rec.upload;
    const r3 = await cli(['download', String(cid), '--out', join(work, 'lock3'), '--lock', lock, '--frozen']);
    assert.equal(r3.code, 5, r3.stderr);
    assert.match(r3.stderr, new RegExp(`image ${ids[1]} .*sha256`));
    assert.ok(!existsSync(join(work, 'lock3', `collection_${cid}`, `image_${ids[1]}.nii.gz`)), 'a mismatching file is not kept');

    nv.image(ids[2]!)!.modify_date = '2030-01-01T00:00:00Z';
    const start = nv.requests.length;
    const r4 = await cli(['download', String(cid), '--out', join(work, 'lock4'), '--lock', lock, '--frozen']);
    assert.equal(r4.code, 5, r4.stderr);
    assert.match(r4.stderr, new RegExp(`image ${ids[2]}: modify_date`));
    assert.equal(fileRequests(nv, start).length, 0, 'differences in the plan stop the run before any file request');
  });

  test('re-run refetches a changed modify_date, a corrupt file and a deleted one; --force refetches all', async () => {
    const col = nv.addCollection({ name: 'refresh test' }, 5);
    const cid = col.collection.id as number;
    const ids = col.images.map((i) => i.id as number);
    const out = join(work, 'refresh');
    assert.equal((await cli(['download', String(cid), '--out', out])).code, 0);
    nv.image(ids[0]!)!.modify_date = '2031-02-03T04:05:06Z';
    const corrupt = join(out, `collection_${cid}/image_${ids[1]}.nii.gz`);
    const bytes = await readFile(corrupt);
    bytes[100] ^= 1;
    await writeFile(corrupt, bytes);
    await rm(join(out, `collection_${cid}/image_${ids[2]}.nii.gz`));
    const start = nv.requests.length;
    const r = await cli(['download', String(cid), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fileRequests(nv, start).map((q) => imageOfRequest(nv, q)).sort(), ids.slice(0, 3).sort());
    assert.match(r.stderr, /differs from the manifest/);
    assertComplete(nv, out, cid, ids);
    assert.equal(manifest(out).get(ids[0]!)!.modify_date, '2031-02-03T04:05:06Z');
    const forced = nv.requests.length;
    assert.equal((await cli(['download', String(cid), '--out', out, '--force'])).code, 0);
    assert.equal(fileRequests(nv, forced).length, 5);
  });

  test('a *.part kept under the same server version is resumed with Range; a stale one is not', async () => {
    const col = nv.addCollection({ name: 'resume test' }, [{ $fileBytes: 50_000 }, { $fileBytes: 50_000 }]);
    const cid = col.collection.id as number;
    const [a, b] = col.images.map((i) => i.id as number) as [number, number];
    const out = join(work, 'resume');
    const dir = join(out, `collection_${cid}`);
    await rm(out, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    for (const id of [a, b]) await writeFile(join(dir, `image_${id}.nii.gz.part`), nv.fileBody(id).subarray(0, 20_000));
    const stamp = Date.parse(String(nv.image(a)!.modify_date)) / 1000;
    await utimes(join(dir, `image_${a}.nii.gz.part`), stamp, stamp);
    // What the stand-in's file version is (its ETag), kept beside the part by the run that was cut off.
    const etag = `"${a.toString(16)}-${nv.fileBody(a).length.toString(16)}"`;
    for (const id of [a, b]) {
      await writeFile(join(dir, `image_${id}.nii.gz.part.resume`), JSON.stringify({ validator: etag, total: nv.fileBody(id).length }));
    }
    const start = nv.requests.length;
    const r = await cli(['download', String(cid), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^neurovault: resuming 1 file, 19\.5 KiB already here$/m, 'the re-run says it resumes (the stale part is not counted)');
    const reqs = fileRequests(nv, start);
    const forA = reqs.filter((q) => imageOfRequest(nv, q) === a);
    const forB = reqs.filter((q) => imageOfRequest(nv, q) === b);
    assert.deepEqual(forA.map((q) => [q.headers.range, q.status]), [['bytes=20000-', 206]]);
    assert.equal(forA[0]?.headers['if-range'], etag);
    assert.deepEqual(forB.map((q) => [q.headers.range, q.status]), [[undefined, 200]]);
    assertComplete(nv, out, cid, [a, b]);
  });

  test('a server that keeps failing trips the circuit breaker instead of being hammered', async () => {
    const col = nv.addCollection({ name: 'down test' }, 40);
    const out = join(work, 'down');
    Object.assign(nv.faults, { fileFailRate: 1, kinds: ['502'], maxFailuresPerFile: 1000, seed: 3 });
    const start = nv.requests.length;
    const r = await cli(['download', String(col.collection.id), '--out', out]);
    nv.faults.fileFailRate = 0;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /server appears to be down/);
    assert.ok(fileRequests(nv, start).length <= 20 + 6, `${fileRequests(nv, start).length} requests`);
  });

  test('verify: exit 0 when every file matches, 5 listing a corrupt and a missing file', async () => {
    const out = join(work, 'sixty');
    const ok = await runCli(['verify', out]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /checked 60 files.*: 60 ok, 0 mismatched$/m);
    const entries = [...manifest(out).values()];
    const bad = join(out, entries[3]!.path);
    const bytes = await readFile(bad);
    bytes[bytes.length - 1] ^= 0x55;
    await writeFile(bad, bytes);
    await rm(join(out, entries[7]!.path));
    const r = await runCli(['verify', out, '-o', 'json']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, new RegExp(`${entries[3]!.path} \\(image ${entries[3]!.id}\\): sha256`));
    assert.match(r.stderr, new RegExp(`${entries[7]!.path} \\(image ${entries[7]!.id}\\): missing`));
    // A missing file is counted as missing, not "verified"; the hint says how to repair.
    assert.match(r.stderr, /checked 60 files, .*: 58 ok, 1 mismatched, 1 missing$/m);
    assert.match(r.stderr, new RegExp(`^hint: run neurovault download image:${Math.min(entries[3]!.id, entries[7]!.id)} image:${Math.max(entries[3]!.id, entries[7]!.id)} --out ${out} to repair$`, 'm'));
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.checked, 60);
    assert.deepEqual(summary.mismatches.map((m: { problem: string }) => m.problem).sort(), ['missing', 'sha256']);
    const none = await runCli(['verify', join(work, 'no-such-folder')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, new RegExp(`^neurovault: no such folder ${join(work, 'no-such-folder')}$`, 'm'));
  });

  test('on a terminal: a live progress line, then the summary; a pty without a size does not hang', { skip: !HAVE_SCRIPT && 'needs util-linux script' }, async () => {
    const tty = await onTerminal(['--base-url', nv.url, 'download', String(nv.sixtyCollectionId), '--out', join(work, 'tty'), '--max-images', '20'], { cols: 100, home: work });
    assert.equal(tty.code, 0, tty.raw);
    assert.match(tty.raw, / \d+\/20 files /);
    assert.match(tty.raw, /fetched 20, skipped 0, failed 0/);
    const sizeless = await onTerminal(['--base-url', nv.url, 'download', String(nv.sixtyCollectionId), '--out', join(work, 'tty0'), '--max-images', '5'], { cols: 0, home: work });
    assert.equal(sizeless.code, 0, sizeless.raw);
    assert.match(sizeless.raw, /fetched 5, skipped 0, failed 0/);
  });

  test('default --out is ./neurovault_data in the working directory', async () => {
    const cwd = join(work, 'cwd');
    await import('node:fs/promises').then((fs) => fs.mkdir(cwd, { recursive: true }));
    const r = await cli(['download', `image:${imageIds(nv, nv.seedDoiCollectionId)[0]}`, '-q'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(statSync(join(cwd, 'neurovault_data', 'manifest.jsonl')).isFile());
    assert.equal((await runCli(['verify', '-q'], { cwd })).code, 0);
  });
});

describe('interrupting a 1,250-image download', () => {
  let nv: Standin;
  let work: string;

  before(async () => {
    nv = await startStandin({ collections: 1, fileLatencyMs: 15, fileBytes: 4096 });
    work = await mkdtemp(join(tmpdir(), 'nv-sigint-'));
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    test(`${signal} exits ${signal === 'SIGINT' ? 130 : 143} with no corrupt final file; the re-run fetches only what is missing`, async () => {
      const out = join(work, signal);
      const start = nv.requests.length;
      const r = await runCli(['--base-url', nv.url, 'download', String(nv.bigCollectionId), '--out', out], {
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (fileRequests(nv, start).length >= 150) {
              clearInterval(poll);
              child.kill(signal);
            }
          }, 5);
        },
      });
      assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
      const entries = manifest(out);
      assert.ok(entries.size > 50 && entries.size < 1250, `${entries.size} finished before the signal`);
      const dir = join(out, `collection_${nv.bigCollectionId}`);
      const finals = readdirSync(dir).filter((f) => /^image_\d+\.nii\.gz$/.test(f));
      // Every file under a final name is complete and recorded; what was cut off stays as a *.part prefix.
      assert.equal(finals.length, entries.size);
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.part'))) {
        const id = Number(/\d+/.exec(f)![0]);
        const part = readFileSync(join(dir, f));
        assert.ok(part.equals(nv.fileBody(id).subarray(0, part.length)), `${f} is not a prefix of the file`);
      }
      assert.match(r.stderr, /interrupted: fetched \d+/);
      for (const f of finals) {
        const id = Number(/\d+/.exec(f)![0]);
        assert.equal(sha256(readFileSync(join(dir, f))), sha256(nv.fileBody(id)), f);
        assert.ok(entries.has(id));
      }

      const again = nv.requests.length;
      const r2 = await runCli(['--base-url', nv.url, 'download', String(nv.bigCollectionId), '--out', out]);
      assert.equal(r2.code, 0, r2.stderr);
      const refetched = fileRequests(nv, again).map((q) => imageOfRequest(nv, q));
      assert.equal(refetched.length, 1250 - entries.size);
      assert.ok(refetched.every((id) => !entries.has(id)), 'a finished image was requested again');
      assertComplete(nv, out, nv.bigCollectionId, imageIds(nv, nv.bigCollectionId));
    });
  }
});
