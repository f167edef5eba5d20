import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStandin, type Standin } from './standin/server.js';
import { runCli } from './helpers/run-cli.js';
import { startS3rver, S3RVER_KEY, type LocalS3 } from './helpers/s3rver.js';
import { S3Client } from '../src/s3/client.js';
import { Transport } from '../src/http/transport.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BUCKET = 'sink-bucket';
const KEYS = { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_DEFAULT_REGION: 'us-east-1' };

interface Entry {
  id: number;
  path: string;
  bytes: number;
  sha256: string;
}

describe('download --out s3://bucket/prefix', () => {
  let nv: Standin;
  let s3: LocalS3;
  let client: S3Client;
  let transport: Transport;
  let bigCollection: number;
  let bigImage: number;

  before(async () => {
    [nv, s3] = await Promise.all([startStandin({ collections: 1 }), startS3rver([BUCKET])]);
    // One image past the sink's 8 MiB part size, to go through its multipart path.
    const c = nv.store.addCollection({ name: 'big file' });
    bigImage = nv.store.addImage(c, { name: 'big', map_type: 'T map', modality: 'fMRI-BOLD', $fileBytes: 9 * 1024 * 1024 + 4321, $filename: 'big.nii.gz' }).id;
    bigCollection = c.id;
    transport = new Transport({ baseUrl: s3.endpoint, userAgent: 'test' });
    client = new S3Client({ transport, endpoint: new URL(s3.endpoint), pathStyle: true, region: 'us-east-1', credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY } });
  });
  after(async () => {
    await transport?.close();
    await Promise.all([nv?.close(), s3?.close()]);
  });

  const get = (key: string) => client.readObject(BUCKET, key, { okStatuses: [200] }, async (res) => Buffer.from(await res.body.arrayBuffer()));
  const keys = async (prefix: string) => {
    const out: string[] = [];
    for await (const page of client.listAll({ bucket: BUCKET, prefix })) out.push(...page.objects.map((o) => o.key));
    return out.sort();
  };
  const cli = (args: string[]) => runCli(['--base-url', nv.url, '--endpoint-url', s3.endpoint, ...args], { env: KEYS, timeoutMs: 120_000 });

  test('60 images under file faults land verified in S3 with the layout and manifest; a re-run fetches nothing', async () => {
    Object.assign(nv.faults, { fileFailRate: 0.25, kinds: ['502', 'reset', 'truncate'], maxFailuresPerFile: 2, seed: 11 });
    const r = await cli(['download', String(nv.sixtyCollectionId), '--out', `s3://${BUCKET}/nv`]);
    nv.faults.fileFailRate = 0;
    assert.equal(r.code, 0, r.stderr);
    const manifest = (await get('nv/manifest.jsonl')).toString().trim().split('\n').map((l) => JSON.parse(l) as Entry);
    assert.equal(manifest.length, 60);
    for (const e of manifest) {
      const body = await get(`nv/${e.path}`);
      assert.equal(sha256(body), sha256(nv.fileBody(e.id)), `image ${e.id}`);
      assert.equal(e.sha256, sha256(body));
      assert.deepEqual(JSON.parse((await get(`nv/collection_${nv.sixtyCollectionId}/image_${e.id}_metadata.json`)).toString()), nv.image(e.id));
    }
    const all = await keys('nv/');
    assert.equal(all.length, 60 * 2 + 2, all.join('\n'));
    assert.ok(all.includes(`nv/collection_${nv.sixtyCollectionId}/collection_metadata.json`));
    const head = await client.headObject(BUCKET, manifest[0]!.path.replace(/^/, 'nv/'));
    assert.equal(head.contentType, 'application/gzip');
    assert.equal(head.metadata.sha256, manifest[0]!.sha256);

    const before = nv.requests.length;
    const again = await cli(['download', String(nv.sixtyCollectionId), '--out', `s3://${BUCKET}/nv`, '-o', 'json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(nv.requests.slice(before).filter((q) => q.path.startsWith('/media/images/')).length, 0, 'the re-run asked for no file');
    assert.equal(JSON.parse(again.stdout).skipped, 60);
  });

  test('a file over 8 MiB goes up as a multipart upload and reads back byte-exact', async () => {
    const r = await cli(['download', String(bigCollection), '--out', `s3://${BUCKET}/big/`]);
    assert.equal(r.code, 0, r.stderr);
    const body = await get(`big/collection_${bigCollection}/image_${bigImage}.nii.gz`);
    assert.equal(body.length, nv.fileBody(bigImage).length);
    assert.equal(sha256(body), sha256(nv.fileBody(bigImage)));
  });

  test('a bad bucket name is exit 2 and a missing bucket exit 4, before any file is fetched', async () => {
    const bad = await cli(['download', String(nv.sixtyCollectionId), '--out', 's3://Bad_Bucket/x']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /invalid bucket name/);
    const start = nv.requests.length;
    const missing = await cli(['download', String(nv.sixtyCollectionId), '--out', 's3://no-such-sink-bucket/x']);
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /NoSuchBucket/);
    assert.equal(nv.requests.slice(start).filter((q) => q.path.startsWith('/media/images/')).length, 0);
  });
});
