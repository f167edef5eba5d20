import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, DEFAULT_USER, type Standin } from './standin/server.js';
import { SEED } from './standin/seed.js';
import { startS3rver, S3RVER_KEY, type LocalS3 } from './helpers/s3rver.js';
import {
  CliError,
  ExitCode,
  LockMismatchError,
  OfflineError,
  copy,
  createClient,
  downloadSelection,
  listObjects,
  makeBucket,
  prepareDownload,
  uploadImages,
  verifyDownload,
  type CopyEvent,
  type UploadEvent,
  type VerifyEvent,
} from '../src/index.js';

/** The library's use cases called in process, as a program importing the package would: results and events, never output. */
describe('the library against the stand-in and s3rver', () => {
  let nv: Standin;
  let s3: LocalS3;
  let work: string;
  const env = { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };

  before(async () => {
    nv = await startStandin();
    s3 = await startS3rver();
    work = await mkdtemp(join(tmpdir(), 'nv-library-'));
  });
  after(async () => {
    await nv?.close();
    await s3?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('prepareDownload: a dry run plans without opening the folder; a frozen lock that differs throws its differences', async () => {
    const client = createClient({ baseUrl: nv.url, retries: 0 });
    try {
      const out = join(work, 'never');
      const job = await prepareDownload({ client, refs: [String(SEED.sixty)], maxImages: 4, out, dryRun: true });
      const plan = await job.plan();
      await job.close();
      assert.equal(plan.items.length, 4);
      assert.equal(existsSync(out), false, 'a dry run creates nothing');

      const lock = join(work, 'nv.lock');
      await downloadSelection({ client, refs: [String(SEED.sixty)], maxImages: 2, out: join(work, 'locked'), lock, retryBaseMs: 1 });
      const frozen = await prepareDownload({ client, refs: [String(SEED.sixty)], maxImages: 3, out: join(work, 'locked'), lock, frozen: true });
      const err = await frozen.plan().then(
        () => undefined,
        (e: unknown) => e,
      );
      await frozen.close();
      assert.ok(err instanceof LockMismatchError);
      assert.equal(err.exitCode, ExitCode.integrity);
      assert.equal(err.differences.length, 1);
      assert.match(err.differences[0]!, /this run selects .* --max-images 3, the lock was made from .* --max-images 2/);
    } finally {
      await client.close();
    }
  });

  test('a version-2 lock installs alone through the library; offline, a complete folder needs no request', async () => {
    const online = createClient({ baseUrl: nv.url });
    const lock = join(work, 'v2.lock');
    const first = await downloadSelection({ client: online, refs: [String(SEED.sixty)], maxImages: 3, out: join(work, 'v2-a'), lock, retryBaseMs: 1 });
    assert.equal(first.lockWritten, lock);
    const out = join(work, 'v2-b');
    const installed = await downloadSelection({ client: online, lock, frozen: true, out, retryBaseMs: 1 });
    await online.close();
    assert.deepEqual([installed.complete, installed.outcome.fetched], [true, 3]);

    const offline = createClient({ baseUrl: nv.url, offline: true });
    const before = nv.requests.length;
    const again = await downloadSelection({ client: offline, lock, frozen: true, out, offline: true });
    assert.deepEqual([again.complete, again.outcome.fetched, again.outcome.skipped], [true, 0, 3]);
    assert.equal(nv.requests.length, before, 'no request');
    await rm(join(out, again.plan.items[0]!.path));
    const missing = await downloadSelection({ client: offline, lock, frozen: true, out, offline: true }).catch((e: unknown) => e);
    await offline.close();
    assert.ok(missing instanceof OfflineError, String(missing));
    assert.equal(missing.exitCode, ExitCode.offline);
  });

  test('verifyDownload reports a changed file as a mismatch, with events', async () => {
    const client = createClient({ baseUrl: nv.url });
    const out = join(work, 'verify');
    const result = await downloadSelection({ client, refs: [String(SEED.sixty)], maxImages: 2, out, retryBaseMs: 1 });
    await client.close();
    const manifest = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { path: string });
    await writeFile(join(out, manifest[0]!.path), 'changed');
    const events: VerifyEvent[] = [];
    const check = await verifyDownload(out, { onEvent: (e) => events.push(e) });
    assert.equal(result.outcome.fetched, 2);
    assert.equal(check.checked, 2);
    assert.deepEqual(
      check.mismatches.map((m) => [m.path, m.problem]),
      [[manifest[0]!.path, 'size']],
    );
    assert.equal(events[0]?.type, 'start');
    assert.deepEqual(events.filter((e) => e.type === 'file').map((e) => (e.type === 'file' ? e.ok : undefined)).sort(), [false, true]);
  });

  test('uploadImages checks every file before the client is made, then reports each upload as an event', async () => {
    const dir = join(work, 'up');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'map.nii.gz'), nv.fileBody(nv.store.imagesOf(nv.store.collections.get(SEED.sixty)!)[0]!.id));
    let made = 0;
    const client = createClient({ baseUrl: nv.url, token: DEFAULT_USER.token });
    const makeClient = async () => (made++, client);
    const bad = await uploadImages({ client: makeClient, collection: String(SEED.doi), files: [join(dir, 'map.nii.gz'), join(dir, 'missing.nii.gz')], mapType: 'T', modality: 'fMRI-BOLD' }).catch((e: unknown) => e);
    assert.ok(bad instanceof CliError && bad.exitCode === ExitCode.usage, String(bad));
    assert.equal(made, 0, 'no client before the files are checked');

    const mine = nv.addCollection({ name: 'library upload' }, 0).collection;
    const events: UploadEvent[] = [];
    const result = await uploadImages({
      client: makeClient,
      collection: String(mine.id),
      files: [join(dir, 'map.nii.gz')],
      mapType: 'T map',
      modality: 'fMRI-BOLD',
      onEvent: (e) => events.push(e),
    });
    await client.close();
    assert.equal(result.failure, undefined, String(result.failure?.error));
    assert.equal(result.created.length, 1);
    assert.deepEqual(
      events.map((e) => e.type),
      ['start', 'phase', 'phase', 'uploaded'],
    );
  });

  test('S3: makeBucket, copy a folder up with events, list it', async () => {
    const s3opts = { env, endpointUrl: s3.endpoint, region: 'us-east-1' };
    assert.deepEqual(await makeBucket(s3opts, 's3://lib-bucket'), { action: 'make_bucket', bucket: 'lib-bucket' });
    const dir = join(work, 'tree');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'a.txt'), 'alpha');
    await writeFile(join(dir, 'sub', 'b.txt'), 'bravo!');
    const events: CopyEvent[] = [];
    const result = await copy({ s3: s3opts, source: dir, destination: 's3://lib-bucket/up/', recursive: true, onEvent: (e) => events.push(e) });
    assert.equal(result.failures, 0);
    assert.deepEqual(result.actions.map((a) => a.destination).sort(), ['s3://lib-bucket/up/a.txt', 's3://lib-bucket/up/sub/b.txt']);
    assert.equal(events[0]?.type, 'start');
    assert.equal(events.filter((e) => e.type === 'bytes').reduce((n, e) => n + (e.type === 'bytes' ? e.bytes : 0), 0), 11);
    const listed: string[] = [];
    for await (const r of await listObjects(s3opts, 's3://lib-bucket/up/', { recursive: true })) listed.push(`${r.key} ${r.type === 'object' ? r.size : ''}`);
    assert.deepEqual(listed.sort(), ['up/a.txt 5', 'up/sub/b.txt 6']);
  });
});
