import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileExtension, imagePath } from '../src/download/layout.js';
import { CheckFailure, ContentObserver, checkComplete, checkContent } from '../src/download/checks.js';
import { ManifestWriter, parseManifest, type ManifestEntry } from '../src/download/manifest.js';
import { parseDownloadRef } from '../src/download/refs.js';
import { lockDifferences, type LockEntry } from '../src/download/lock.js';
import { LocalSink } from '../src/download/local-sink.js';
import { Breaker } from '../src/download/breaker.js';
import type { DownloadItem } from '../src/download/engine.js';
import { UsageError } from '../src/errors.js';

function nifti1(): Buffer {
  const h = Buffer.alloc(352 + 64);
  h.writeInt32LE(348, 0);
  h.write('n+1\0', 344, 'latin1');
  return h;
}

describe('layout', () => {
  test('the extension comes from the server name, sanitised; the name itself never does', () => {
    const cases: [string, string][] = [
      ['https://neurovault.org/media/images/1/spmT_0001.nii.gz', '.nii.gz'],
      ['https://neurovault.org/media/images/1/a.NII', '.nii'],
      ['https://neurovault.org/media/images/1/lh.surf.gii', '.gii'],
      ['https://neurovault.org/media/images/1/pack.nidm/TStatistic.nii.gz', '.nii.gz'],
      ['https://neurovault.org/media/images/1/..%2F..%2Fx.nii.gz', '.nii.gz'],
      ['https://neurovault.org/media/images/1/../../x.nii.gz', '.nii.gz'],
      ['https://neurovault.org/media/images/1/noext', ''],
      ['https://neurovault.org/media/images/1/evil.nii.gz%2F..%2F..', ''],
      ['https://neurovault.org/media/images/1/a.tar.gz?x=1', '.tar.gz'],
      ['https://neurovault.org/media/images/1/x.nii.g$z', ''],
      ['https://neurovault.org/media/images/1/.gz', '.gz'],
    ];
    for (const [url, ext] of cases) assert.equal(fileExtension(url), ext, url);
    assert.equal(imagePath(12, 34, '.nii.gz'), 'collection_12/image_34.nii.gz');
    assert.throws(() => imagePath(12, Number.NaN, ''));
  });

  test('the local sink refuses paths that leave its root', async () => {
    const sink = new LocalSink('/tmp/nv-root');
    for (const bad of ['../x', '/etc/passwd', 'a/../../x', 'a//b', 'a\\b', '']) assert.throws(() => sink.resolvePath(bad), bad);
    assert.equal(sink.resolvePath('collection_1/image_2.nii.gz'), '/tmp/nv-root/collection_1/image_2.nii.gz');
  });
});

describe('checks', () => {
  test('a gzip NIfTI-1 passes; HTML, plain text, gzip of non-NIfTI and empty bodies do not', () => {
    checkContent(gzipSync(nifti1()), '.nii.gz');
    checkContent(nifti1(), '.nii');
    checkContent(Buffer.from('<?xml version="1.0"?><GIFTI></GIFTI>'), '.gii');
    const fails: [Buffer, string][] = [
      [Buffer.from('<!DOCTYPE html><html><title>Log in</title>'), '.nii.gz'],
      [Buffer.from('\n\n  <html><body>502</body></html>'), '.gii'],
      [Buffer.from('plain text'), '.nii.gz'],
      [gzipSync(Buffer.from('x'.repeat(1000))), '.nii.gz'],
      [gzipSync(nifti1()), '.nii'],
      [Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255, 1, 2, 3]), '.nii.gz'],
    ];
    for (const [body, ext] of fails) assert.throws(() => checkContent(body, ext), CheckFailure, `${ext}: ${body.subarray(0, 20).toString('latin1')}`);
  });

  test('the header is found in a large, highly compressible volume without inflating all of it', () => {
    const big = Buffer.concat([nifti1(), Buffer.alloc(64 * 1024 * 1024)]);
    const gz = gzipSync(big);
    const observer = new ContentObserver();
    for (let i = 0; i < gz.length; i += 65536) observer.observe(gz.subarray(i, i + 65536));
    const t = Date.now();
    checkComplete(observer, { ext: '.nii.gz', bytes: gz.length }, observer.sha256());
    assert.ok(Date.now() - t < 200);
  });

  test('size and lock digest are checked', () => {
    const body = gzipSync(nifti1());
    const o = new ContentObserver();
    o.observe(body);
    const sha = o.sha256();
    assert.throws(() => checkComplete(o, { ext: '.nii.gz', bytes: body.length + 1 }, sha), /file_size/);
    assert.throws(() => checkComplete(o, { ext: '.nii.gz', sha256: '0'.repeat(64) }, sha), (e: CheckFailure) => e.kind === 'sha256');
    checkComplete(o, { ext: '.nii.gz', bytes: body.length, sha256: sha }, sha);
  });
});

describe('manifest', () => {
  const entry = (id: number, sha = 'a'.repeat(64)): ManifestEntry => ({
    id,
    collection_id: 1,
    path: `collection_1/image_${id}.nii.gz`,
    bytes: 10,
    sha256: sha,
    modify_date: '2020-01-01T00:00:00Z',
    metadata: { id, name: `n${id}`, custom: [1, ''] },
  });

  test('writers merge with what is on disk: other entries stay, ours win, lines sorted by id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nv-manifest-'));
    try {
      const sink = new LocalSink(dir);
      const a = new ManifestWriter(sink, 10_000);
      const b = new ManifestWriter(sink, 10_000);
      a.set(entry(5));
      a.set(entry(1));
      await a.flush();
      b.set(entry(3));
      b.set(entry(5, 'b'.repeat(64)));
      await b.flush();
      await writeFile(join(dir, 'manifest.jsonl'), `${await readFile(join(dir, 'manifest.jsonl'), 'utf8')}not json\n`);
      const parsed = parseManifest(await readFile(join(dir, 'manifest.jsonl'), 'utf8'));
      assert.deepEqual([...parsed.entries.keys()], [1, 3, 5]);
      assert.equal(parsed.entries.get(5)!.sha256, 'b'.repeat(64));
      assert.deepEqual(parsed.entries.get(1), entry(1));
      assert.equal(parsed.badLines, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('refs', () => {
  test('every documented form', () => {
    const kinds = (s: string) => {
      const r = parseDownloadRef(s);
      return r.kind === 'doi' ? `doi ${r.doi}` : `${r.kind} ${JSON.stringify(r.ref)}`;
    };
    assert.equal(kinds('1615'), 'collection {"kind":"id","id":1615}');
    assert.equal(kinds('collection:1615'), 'collection {"kind":"id","id":1615}');
    assert.equal(kinds('image:396069'), 'image {"kind":"id","id":396069}');
    assert.equal(kinds('QXKZTRWM'), 'collection {"kind":"token","token":"QXKZTRWM"}');
    assert.equal(kinds('QXKZTRWM-12'), 'image {"kind":"token","token":"QXKZTRWM","id":12}');
    assert.equal(kinds('10.1016/j.neurobiolaging.2012.11.002'), 'doi 10.1016/j.neurobiolaging.2012.11.002');
    assert.equal(kinds('doi:10.1016/J.Neurobiolaging.2012.11.002'), 'doi 10.1016/j.neurobiolaging.2012.11.002');
    assert.equal(kinds('https://doi.org/10.1016/j.neurobiolaging.2012.11.002'), 'doi 10.1016/j.neurobiolaging.2012.11.002');
    assert.equal(kinds('https://neurovault.org/collections/1615/'), 'collection {"kind":"id","id":1615}');
    assert.equal(kinds('https://neurovault.org/collections/QXKZTRWM/'), 'collection {"kind":"token","token":"QXKZTRWM"}');
    assert.equal(kinds('https://neurovault.org/images/396069/'), 'image {"kind":"id","id":396069}');
    assert.equal(kinds('https://neurovault.org/collections/QXKZTRWM/images/12/'), 'image {"kind":"token","token":"QXKZTRWM","id":12}');
    assert.equal(kinds('https://neurovault.org/api/images/396069/'), 'image {"kind":"id","id":396069}');
    for (const bad of ['', 'abc', '0', '-3', 'image:', 'collection:x', 'doi:11.2/x', 'https://neurovault.org/foo/', 'qxkztrwm']) {
      assert.throws(() => parseDownloadRef(bad), UsageError, bad);
    }
  });
});

describe('lock', () => {
  const item = (id: number, modifyDate: string, bytes?: number): DownloadItem => ({
    id,
    collectionId: 1,
    fileUrl: `http://x/${id}`,
    path: `collection_1/image_${id}.nii.gz`,
    metadataPath: `collection_1/image_${id}_metadata.json`,
    expect: { ext: '.nii.gz', bytes },
    modifyDate,
    metadata: {},
  });
  const locked = (id: number, modify_date: string, bytes = 10): LockEntry => ({ id, collection_id: 1, modify_date, bytes, sha256: 'a'.repeat(64) });

  test('lists added, removed, re-dated and re-sized images; only within the shard', () => {
    const lock = new Map([1, 2, 3, 4, 6].map((id) => [id, locked(id, 'd1')]));
    const diffs = lockDifferences([item(1, 'd1', 10), item(2, 'd2', 10), item(3, 'd1', 11), item(5, 'd1'), item(6, 'd1')], lock, () => true);
    assert.deepEqual(diffs, [
      'image 2: modify_date is d2, the lock has d1',
      'image 3: file_size is 11, the lock has 10',
      'image 5: not in the lock',
      'image 4: in the lock but not selected (removed from the server or filtered out)',
    ]);
    assert.deepEqual(lockDifferences([item(1, 'd1')], lock, (id) => id % 2 === 1), ['image 3: in the lock but not selected (removed from the server or filtered out)']);
  });
});

describe('breaker', () => {
  test('opens after N failures in a row; a success in between resets; it stays open', () => {
    const b = new Breaker(3);
    b.failure('a');
    b.failure('b');
    b.success();
    b.failure('c');
    b.failure('d');
    assert.equal(b.open, false);
    b.failure('e');
    assert.equal(b.open, true);
    b.success();
    assert.equal(b.open, true);
    assert.equal(b.lastFailure, 'e');
  });
});

describe('local staged file', () => {
  test('writer: bytes count once stored, a failed body keeps its prefix for the resume, commit renames', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nv-stage-'));
    try {
      const sink = new LocalSink(dir);
      const staged = await sink.stage('collection_1/image_1.nii.gz', { resumeStamp: 1_600_000_000_000 });
      assert.equal(staged.keptBytes, 0);
      const writer = await staged.writer!();
      writer.write(Buffer.from('abc'));
      writer.write(Buffer.from('def'));
      writer.close();
      writer.close(); // idempotent
      assert.throws(() => writer.write(Buffer.from('x')));
      assert.equal(staged.keptBytes, 6);
      // A body that fails midway: what arrived is stored and counted, and the next append continues it.
      const failing = (async function* () {
        yield Buffer.from('gh');
        throw new Error('reset');
      })();
      await assert.rejects(staged.append(failing), /reset/);
      assert.equal(staged.keptBytes, 8);
      await staged.append((async function* () {
        yield Buffer.from('ij');
      })());
      assert.equal(staged.keptBytes, 10);
      assert.deepEqual(await readdir(join(dir, 'collection_1')), ['image_1.nii.gz.part']);
      await staged.commit();
      assert.equal(await readFile(join(dir, 'collection_1/image_1.nii.gz'), 'utf8'), 'abcdefghij');
      assert.deepEqual(await readdir(join(dir, 'collection_1')), ['image_1.nii.gz']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('writeText replaces atomically and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nv-text-'));
    try {
      const sink = new LocalSink(dir);
      await sink.writeText('collection_1/image_1_metadata.json', 'one');
      await sink.writeText('collection_1/image_1_metadata.json', 'two');
      assert.equal(await sink.readText('collection_1/image_1_metadata.json'), 'two');
      assert.deepEqual(await readdir(join(dir, 'collection_1')), ['image_1_metadata.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

test('keptParts: what earlier runs kept in *.part under the same server version (mtime stamp and token), and nothing else', async () => {
  const { LocalSink } = await import('../src/download/local-sink.js');
  const { keptParts } = await import('../src/download/engine.js');
  const { mkdir, utimes } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'nv-kept-'));
  try {
    await mkdir(join(dir, 'c'));
    const modifyDate = '2020-07-20T22:14:27.000Z';
    const stamp = Date.parse(modifyDate) / 1000;
    const part = async (name: string, bytes: number, opts: { token: boolean; stamp?: number }) => {
      await writeFile(join(dir, 'c', `${name}.part`), Buffer.alloc(bytes));
      if (opts.token) await writeFile(join(dir, 'c', `${name}.part.resume`), JSON.stringify({ validator: '"x"', total: 99_999 }));
      if (opts.stamp !== undefined) await utimes(join(dir, 'c', `${name}.part`), opts.stamp, opts.stamp);
    };
    await part('a.nii.gz', 1000, { token: true, stamp });
    await part('b.nii.gz', 2000, { token: true, stamp });
    await part('stale.nii.gz', 4000, { token: true, stamp: stamp - 3600 });
    await part('no-token.nii.gz', 8000, { token: false, stamp });
    const items = ['a', 'b', 'stale', 'no-token', 'absent'].map((n) => ({ path: `c/${n}.nii.gz`, modifyDate }));
    assert.deepEqual(await keptParts(new LocalSink(dir), items), { files: 2, bytes: 3000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
