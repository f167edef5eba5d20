// Issue 19: a lock that installs alone (`download --lock nv.lock --frozen`), offline mode, and the CI
// recipes of docs/ci.md. Requests and connections are counted at the stand-in.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, type Standin, type RecordedRequest } from './standin/server.js';
import { runCli, type RunOptions } from './helpers/run-cli.js';
import { Transport } from '../src/http/transport.js';
import { OfflineError } from '../src/errors.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const isFile = (r: RecordedRequest) => r.path.startsWith('/media/images/');
const isApi = (r: RecordedRequest) => r.path.startsWith('/api/');

interface Entry {
  id: number;
  collection_id: number;
  path: string;
  sha256: string;
}

function manifest(out: string): Map<number, Entry> {
  const entries = new Map<number, Entry>();
  for (const line of readFileSync(join(out, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as Entry;
    entries.set(e.id, e);
  }
  return entries;
}

describe('install from a lock; offline mode', () => {
  let nv: Standin;
  let work: string;
  let cid: number;
  let ids: number[];
  let lock: string;
  /** A complete download folder the lock was written from; each test copies it. */
  let golden: string;
  const cli = (args: string[], opts: RunOptions = {}) => runCli(['--base-url', nv.url, ...args], opts);

  /** Runs `args` and returns what the stand-in saw meanwhile. */
  const counted = async (args: string[], opts: RunOptions = {}) => {
    const start = nv.requests.length;
    const connections = nv.connections;
    const r = await cli(args, opts);
    const reqs = nv.requests.slice(start);
    return { ...r, reqs, files: reqs.filter(isFile), api: reqs.filter(isApi), connections: nv.connections - connections };
  };

  const copy = (name: string) => {
    const out = join(work, name);
    cpSync(golden, out, { recursive: true });
    return out;
  };

  /** Every locked image in `out` matches the stand-in's bytes and records. */
  const assertInstalled = (out: string) => {
    const m = manifest(out);
    for (const id of ids) {
      const e = m.get(id);
      assert.ok(e, `image ${id} in the manifest`);
      assert.equal(sha256(readFileSync(join(out, e.path))), sha256(nv.fileBody(id)), `image ${id}: bytes`);
      assert.deepEqual(JSON.parse(readFileSync(join(out, `collection_${cid}/image_${id}_metadata.json`), 'utf8')), nv.image(id));
    }
    assert.deepEqual(JSON.parse(readFileSync(join(out, `collection_${cid}/collection_metadata.json`), 'utf8')), nv.collection(cid));
  };

  before(async () => {
    nv = await startStandin({ collections: 2 });
    work = await mkdtemp(join(tmpdir(), 'nv-cilock-'));
    const col = nv.addCollection({ name: 'ci lock' }, 12);
    cid = col.collection.id as number;
    ids = col.images.map((i) => i.id as number);
    lock = join(work, 'nv.lock');
    golden = join(work, 'golden');
    const r = await cli(['download', String(cid), '--out', golden, '--lock', lock]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  test('the lock (version 2) keeps file URLs and the sha256 of every metadata file written', () => {
    const doc = JSON.parse(readFileSync(lock, 'utf8'));
    assert.equal(doc.lockfileVersion, 2);
    assert.deepEqual(doc.selection, { refs: [String(cid)], where: [], search: null, basic: false, max_images: null });
    assert.deepEqual(doc.collections, [
      { id: cid, metadata_sha256: sha256(readFileSync(join(golden, `collection_${cid}/collection_metadata.json`))) },
    ]);
    assert.deepEqual(doc.images.map((e: { id: number }) => e.id), ids);
    for (const e of doc.images) {
      assert.equal(e.file_url, nv.image(e.id)!.file);
      assert.equal(e.sha256, sha256(nv.fileBody(e.id)));
      assert.equal(e.metadata_sha256, sha256(readFileSync(join(golden, `collection_${cid}/image_${e.id}_metadata.json`))));
    }
  });

  test('every file present: no refs needed, 0 requests, not even a connection', async () => {
    const out = copy('complete');
    const r = await counted(['download', '--lock', lock, '--frozen', '--out', out, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.reqs.length, 0, 'no request');
    assert.equal(r.connections, 0, 'no connection');
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.skipped, ids.length);
    assert.equal(summary.fetched, 0);
    assertInstalled(out);
    // The same command line that wrote the lock is accepted too, with the same cost.
    const same = await counted(['download', String(cid), '--lock', lock, '--frozen', '--out', out]);
    assert.equal(same.code, 0, same.stderr);
    assert.equal(same.reqs.length, 0);
  });

  test('3 files deleted: only those 3 file requests; with their metadata gone too, 3 record requests more', async () => {
    const out = copy('three');
    const gone = [ids[1]!, ids[5]!, ids[9]!];
    for (const id of gone) rmSync(join(out, `collection_${cid}/image_${id}.nii.gz`));
    const r = await counted(['download', '--lock', lock, '--frozen', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.api.length, 0, 'the records are on disk: no API request');
    assert.deepEqual(r.files.map((q) => new URL(q.path, nv.url).href).sort(), gone.map((id) => String(nv.image(id)!.file)).sort());
    assertInstalled(out);

    const out2 = copy('three-and-metadata');
    for (const id of gone) {
      rmSync(join(out2, `collection_${cid}/image_${id}.nii.gz`));
      rmSync(join(out2, `collection_${cid}/image_${id}_metadata.json`));
    }
    // The manifest holds each record too: without it, the records must come from the API.
    rmSync(join(out2, 'manifest.jsonl'));
    const r2 = await counted(['download', '--lock', lock, '--frozen', '--out', out2]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.files.length, 3);
    assert.deepEqual(r2.api.map((q) => q.path).sort(), gone.map((id) => `/api/images/${id}/`).sort());
    assertInstalled(out2);
  });

  test('an empty folder (a cold cache): files from the lock\'s URLs, records from one list of the collection', async () => {
    const out = join(work, 'cold');
    const r = await counted(['download', '--lock', lock, '--frozen', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.files.length, ids.length);
    const paths = r.api.map((q) => new URL(q.path, nv.url).pathname).sort();
    assert.deepEqual(paths, [`/api/collections/${cid}/`, `/api/collections/${cid}/images/`], 'one listing (12 records > 10), one collection');
    assertInstalled(out);
  });

  test('a damaged file is fetched again; a sidecar rebuilt from the manifest costs nothing', async () => {
    const out = copy('damaged');
    const file = join(out, `collection_${cid}/image_${ids[0]}.nii.gz`);
    const bytes = readFileSync(file);
    bytes[200] ^= 1;
    writeFileSync(file, bytes);
    writeFileSync(join(out, `collection_${cid}/image_${ids[2]}_metadata.json`), '{"edited": true}\n');
    rmSync(join(out, `collection_${cid}/image_${ids[3]}_metadata.json`));
    const r = await counted(['download', '--lock', lock, '--frozen', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.files.length, 1);
    assert.equal(r.api.length, 0);
    assert.match(r.stderr, new RegExp(`image ${ids[0]}: .* differs from the lock`));
    assertInstalled(out);
  });

  test('the API answering 503 to everything: a complete cached folder installs, and missing files still come', async () => {
    nv.faults.apiDown = true;
    try {
      const out = copy('api-down');
      const r = await counted(['download', '--lock', lock, '--frozen', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assertInstalled(out);
      rmSync(join(out, `collection_${cid}/image_${ids[4]}.nii.gz`));
      const r2 = await counted(['download', '--lock', lock, '--frozen', '--out', out]);
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal(r2.files.length, 1);
      assert.equal(r2.api.length, 0);
      assertInstalled(out);
      // Today's plan through the API fails in the same outage: the reason for the lock.
      const old = await counted(['download', String(cid), '--out', out, '--retries', '0']);
      assert.equal(old.code, 1);
    } finally {
      nv.faults.apiDown = false;
    }
  });

  test('--offline / NEUROVAULT_OFFLINE=1: a complete folder installs without a socket; a missing file exits 6 before any', async () => {
    const out = copy('offline');
    const ok = await counted(['download', '--offline', '--lock', lock, '--frozen', '--out', out]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.connections, 0);
    rmSync(join(out, `collection_${cid}/image_${ids[7]}.nii.gz`));
    const missing = await counted(['download', '--lock', lock, '--frozen', '--out', out], { env: { NEUROVAULT_OFFLINE: '1' } });
    assert.equal(missing.code, 6, missing.stderr);
    assert.equal(missing.connections, 0, 'no socket');
    assert.match(missing.stderr, /^neurovault: 1 file, 0 image records and 0 collection records of the lock are missing .*needs the network$/m);
    assert.match(missing.stderr, /^hint: /m);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!existsSync(join(out, `collection_${cid}/image_${ids[7]}.nii.gz.part`)));
  });

  test('--offline: a command that needs the network exits 6 with one line; local commands keep working', async () => {
    for (const args of [['collections', 'list'], ['images', 'get', '1'], ['download', String(cid), '--out', join(work, 'x')], ['catalog', 'sync'], ['s3', 'ls'], ['auth', 'status']]) {
      const r = await counted(['--offline', ...args]);
      assert.equal(r.code, 6, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.connections, 0, `${args.join(' ')} opened a socket`);
      assert.equal(r.stderr.trim().split('\n').length, 2, 'one line and a hint');
      assert.match(r.stderr, new RegExp(`^neurovault: ${args.slice(0, args[0] === 'download' ? 1 : 2).join(' ')}: needs the network, and offline mode is on`));
    }
    const verify = await counted(['verify', golden], { env: { NEUROVAULT_OFFLINE: 'true' } });
    assert.equal(verify.code, 0, verify.stderr);
    const path = await counted(['catalog', 'path', '--offline']);
    assert.equal(path.code, 0, path.stderr);
    assert.equal(verify.connections + path.connections, 0);
    const bad = await counted(['collections', 'list'], { env: { NEUROVAULT_OFFLINE: 'maybe' } });
    assert.equal(bad.code, 2, bad.stderr);
    const off = await counted(['collections', 'list', '--limit', '1'], { env: { NEUROVAULT_OFFLINE: '0' } });
    assert.equal(off.code, 0, off.stderr);
  });

  test('--offline: catalogue-backed commands keep working, a catalogue download of a complete folder included', async () => {
    const env = { XDG_CACHE_HOME: join(work, 'cache') };
    assert.equal((await counted(['catalog', 'sync'], { env })).code, 0);
    const out = join(work, 'from-catalogue');
    const select = ['download', '--where', `collection_id=${cid}`, '--out', out, '-o', 'json'];
    const online = await counted(select, { env });
    assert.equal(online.code, 0, online.stderr);
    assert.equal(JSON.parse(online.stdout).fetched, ids.length);
    const offline = await counted(select, { env: { ...env, NEUROVAULT_OFFLINE: '1' } });
    assert.equal(offline.code, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout).skipped, ids.length);
    assert.equal(offline.connections, 0);
    for (const args of [['search', 'image', '--images', '--where', `collection_id=${cid}`], ['images', 'list', '--search', 'image', '--where', `collection_id=${cid}`]]) {
      const r = await counted(['--offline', ...args, '-o', 'json'], { env });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).length, ids.length);
      assert.equal(r.connections, 0);
    }
    rmSync(join(out, `collection_${cid}/image_${ids[0]}.nii.gz`));
    const missing = await counted(select, { env: { ...env, NEUROVAULT_OFFLINE: '1' } });
    assert.equal(missing.code, 6, missing.stderr);
    assert.equal(missing.connections, 0);
    assert.match(missing.stderr, /^neurovault: download: needs the network, and offline mode is on/m);
    assert.ok(!existsSync(join(out, `collection_${cid}/image_${ids[0]}.nii.gz.part`)), 'no *.part left');
  });

  test('the transport itself refuses offline: OfflineError (exit 6), no connection', async () => {
    const transport = new Transport({ baseUrl: nv.url, userAgent: 'test', offline: true });
    const before = nv.connections;
    await assert.rejects(transport.json({ method: 'GET', url: `${nv.url}/api/collections/` }), (e: unknown) => e instanceof OfflineError && e.exitCode === 6);
    await transport.close();
    assert.equal(nv.connections, before);
  });

  test('a version-1 lock still works (with its refs); without refs it says why', async () => {
    const doc = JSON.parse(readFileSync(lock, 'utf8'));
    const v1 = join(work, 'v1.lock');
    const images = doc.images.map((e: Record<string, unknown>) => ({ id: e.id, collection_id: e.collection_id, modify_date: e.modify_date, bytes: e.bytes, sha256: e.sha256 }));
    writeFileSync(v1, JSON.stringify({ lockfileVersion: 1, images }));
    const out = join(work, 'v1');
    const r = await counted(['download', String(cid), '--lock', v1, '--frozen', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assertInstalled(out);
    assert.deepEqual(JSON.parse(readFileSync(v1, 'utf8')).lockfileVersion, 1, '--frozen never rewrites the lock');
    const norefs = await counted(['download', '--lock', v1, '--frozen', '--out', out]);
    assert.equal(norefs.code, 2, norefs.stderr);
    assert.match(norefs.stderr, /version 1, which records no file URLs/);
    assert.equal(norefs.reqs.length, 0);
  });

  test('differences from the lock exit 5 naming them, before any file request', async () => {
    // Other refs than the lock was made from.
    const other = await counted(['download', String(nv.sixtyCollectionId), '--lock', lock, '--frozen', '--out', copy('other')]);
    assert.equal(other.code, 5, other.stderr);
    assert.match(other.stderr, new RegExp(`this run selects ${nv.sixtyCollectionId}, the lock was made from ${cid}`));
    assert.equal(other.reqs.length, 0);

    // A record changed on the server while the local copy is gone.
    const out = copy('changed-record');
    rmSync(join(out, `collection_${cid}/image_${ids[6]}.nii.gz`));
    rmSync(join(out, `collection_${cid}/image_${ids[6]}_metadata.json`));
    rmSync(join(out, 'manifest.jsonl'));
    const record = nv.image(ids[6]!)!;
    const name = record.name;
    record.name = 'renamed on the server';
    try {
      const r = await counted(['download', '--lock', lock, '--frozen', '--out', out]);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, new RegExp(`image ${ids[6]}: its record on the server differs from the lock \\(same modify_date`));
      assert.equal(r.files.length, 0);
    } finally {
      record.name = name;
    }

    // A file whose bytes changed on the server (same size): caught by its sha256, not kept.
    const out2 = copy('changed-file');
    rmSync(join(out2, `collection_${cid}/image_${ids[8]}.nii.gz`));
    const rec = nv.store.getImage(ids[8]!)!;
    const saved = { fileMode: rec.fileMode, upload: rec.upload };
    rec.fileMode = 'uploaded';
    rec.upload = { bytes: nv.fileBody(ids[0]!) } as typeof rec.upload;
    try {
      const r = await counted(['download', '--lock', lock, '--frozen', '--out', out2]);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, new RegExp(`image ${ids[8]} .*sha256`));
      assert.ok(!existsSync(join(out2, `collection_${cid}/image_${ids[8]}.nii.gz`)));
    } finally {
      Object.assign(rec, saved);
    }
  });

  test('a malformed version-2 lock is refused (exit 2) before any request', async () => {
    const doc = JSON.parse(readFileSync(lock, 'utf8'));
    const bad = join(work, 'bad.lock');
    const cases: [string, (d: { images: Record<string, unknown>[]; collections: unknown[] }) => void][] = [
      ['a file URL that is not http(s)', (d) => (d.images[0]!.file_url = 'file:///etc/passwd.nii.gz')],
      ['an extension outside the allow-list', (d) => (d.images[0]!.file_url = `${nv.url}/media/x.sh`)],
      ['no metadata sha256', (d) => delete d.images[1]!.metadata_sha256],
      ['an id that is not positive', (d) => (d.images[2]!.id = -4)],
      ['a collection id outside the layout', (d) => (d.images[3]!.collection_id = '../x')],
      ['an image whose collection is not listed', (d) => (d.collections = [])],
    ];
    for (const [what, spoil] of cases) {
      const copyOf = structuredClone(doc);
      spoil(copyOf);
      writeFileSync(bad, JSON.stringify(copyOf));
      const r = await counted(['download', '--lock', bad, '--frozen', '--out', join(work, 'bad')]);
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, /^neurovault: lock file .* has a malformed entry/m, what);
      assert.equal(r.connections, 0, what);
    }
  });

  test('--shard with the lock installs only its share; --dry-run lists it without a request', async () => {
    const out = join(work, 'shard');
    const r = await counted(['download', '--lock', lock, '--frozen', '--out', out, '--shard', '1/3']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...manifest(out).keys()].sort((a, b) => a - b), ids.filter((id) => id % 3 === 1));
    assert.equal(r.files.length, ids.filter((id) => id % 3 === 1).length);
    const dry = await counted(['download', '--lock', lock, '--frozen', '--dry-run', '-o', 'ndjson']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.stdout.trim().split('\n').map((l) => JSON.parse(l).id), ids);
    assert.equal(dry.connections, 0);
  });
});
