import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runCli, type CliResult } from './helpers/run-cli.js';
import { awsAvailable, awsCli, startS3rver, S3RVER_KEY, type LocalS3 } from './helpers/s3rver.js';

const KEYS = { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_DEFAULT_REGION: 'us-east-1' };
const BUCKET = 'test-bucket';
const MiB = 1024 * 1024;

let s3: LocalS3;
let work: string;
let hasAws = false;

function nv(args: string[], opts: { env?: Record<string, string | undefined>; input?: Buffer | string; endpoint?: string } = {}): Promise<CliResult> {
  return runCli(['--endpoint-url', opts.endpoint ?? s3.endpoint, ...args], { env: { ...KEYS, ...opts.env }, input: opts.input, cwd: work, timeoutMs: 120_000 });
}

/** Like runCli but keeps stdout as bytes (for `cp s3://… -`). */
async function nvBytes(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./helpers/run-cli.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--endpoint-url', s3.endpoint, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...KEYS },
      cwd: work,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end();
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function hashTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(root, p), sha(await readFile(p)));
    }
  }
  await walk(root);
  return out;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

before(async () => {
  s3 = await startS3rver([BUCKET]);
  work = await mkdtemp(join(tmpdir(), 'nv-s3-cli-'));
  hasAws = await awsAvailable();
});

after(async () => {
  await s3?.close();
  await rm(work, { recursive: true, force: true });
});

describe('s3 mb', () => {
  test('makes a bucket, says so on stderr; a second time is a clear error (exit 1)', async () => {
    const made = await nv(['s3', 'mb', 's3://made-here']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stderr, 'make_bucket: made-here\n');
    const again = await nv(['s3', 'mb', 's3://made-here']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^neurovault: make_bucket failed: s3:\/\/made-here: BucketAlreadyExists: /m);
    assert.match(again.stderr, /^hint: /m);
    const json = await nv(['s3', 'mb', 's3://made-json', '-o', 'json']);
    assert.deepEqual(JSON.parse(json.stdout), [{ action: 'make_bucket', bucket: 'made-json' }]);
  });

  test('a bad bucket name is exit 2 before any request', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const args of [['s3', 'mb', 's3://b1'], ['s3', 'cp', 'nofile', 's3://Bad_Bucket/x'], ['s3', 'ls', 's3://a..b']]) {
        const r = await nv(args, { endpoint });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /invalid bucket name/);
      }
      assert.equal(hits, 0);
    } finally {
      server.close();
    }
  });
});

describe('s3 cp: byte-exact round trips with aws-cli', () => {
  test('1 KiB: ours up → aws down, aws up → ours down; "dir/" takes the basename', async (t) => {
    const data = randomBytes(1024);
    await writeFile(join(work, 'f1k.bin'), data);
    const up = await nv(['s3', 'cp', 'f1k.bin', `s3://${BUCKET}/one/`]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stderr, `upload: ./f1k.bin to s3://${BUCKET}/one/f1k.bin\n`);
    const down = await nv(['s3', 'cp', `s3://${BUCKET}/one/f1k.bin`, 'back1k.bin']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stderr, `download: s3://${BUCKET}/one/f1k.bin to ./back1k.bin\n`);
    assert.ok((await readFile(join(work, 'back1k.bin'))).equals(data));
    if (!hasAws) return t.skip('no /usr/bin/aws');
    const awsDown = await awsCli(s3.endpoint, ['s3', 'cp', `s3://${BUCKET}/one/f1k.bin`, join(work, 'aws1k.bin'), '--no-progress']);
    assert.equal(awsDown.code, 0, awsDown.stderr);
    assert.ok((await readFile(join(work, 'aws1k.bin'))).equals(data));
    const awsUp = await awsCli(s3.endpoint, ['s3', 'cp', join(work, 'f1k.bin'), `s3://${BUCKET}/aws/f1k.bin`, '--no-progress']);
    assert.equal(awsUp.code, 0, awsUp.stderr);
    const ours = await nv(['s3', 'cp', `s3://${BUCKET}/aws/f1k.bin`, 'fromaws1k.bin']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.ok((await readFile(join(work, 'fromaws1k.bin'))).equals(data));
  });

  test('50 MiB multipart both ways, ranged download leaves no .part', async (t) => {
    const data = randomBytes(50 * MiB);
    await writeFile(join(work, 'f50m.bin'), data);
    const up = await nv(['s3', 'cp', 'f50m.bin', `s3://${BUCKET}/big/f50m.bin`, '-o', 'json']);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(JSON.parse(up.stdout), [{ action: 'upload', source: './f50m.bin', destination: `s3://${BUCKET}/big/f50m.bin`, bytes: 50 * MiB }]);
    const down = await nv(['s3', 'cp', `s3://${BUCKET}/big/f50m.bin`, 'down/'], {});
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha(await readFile(join(work, 'down', 'f50m.bin'))), sha(data));
    assert.deepEqual(await readdir(join(work, 'down')), ['f50m.bin']);
    if (!hasAws) return t.skip('no /usr/bin/aws');
    const awsDown = await awsCli(s3.endpoint, ['s3', 'cp', `s3://${BUCKET}/big/f50m.bin`, join(work, 'aws50.bin'), '--no-progress']);
    assert.equal(awsDown.code, 0, awsDown.stderr);
    assert.equal(sha(await readFile(join(work, 'aws50.bin'))), sha(data));
    const awsUp = await awsCli(s3.endpoint, ['s3', 'cp', join(work, 'f50m.bin'), `s3://${BUCKET}/aws/f50m.bin`, '--no-progress']);
    assert.equal(awsUp.code, 0, awsUp.stderr);
    const ours = await nv(['s3', 'cp', `s3://${BUCKET}/aws/f50m.bin`, 'fromaws50.bin', '--part-size', '5MB', '--concurrency', '4']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(sha(await readFile(join(work, 'fromaws50.bin'))), sha(data));
    await rm(join(work, 'f50m.bin'));
    await rm(join(work, 'aws50.bin'));
    await rm(join(work, 'fromaws50.bin'));
    await rm(join(work, 'down'), { recursive: true });
  });

  test('stdin → S3 and S3 → stdout (multipart stream), both ways with aws-cli', async (t) => {
    const data = randomBytes(20 * MiB + 12345);
    const up = await nv(['s3', 'cp', '-', `s3://${BUCKET}/stream/data.bin`], { input: data });
    assert.equal(up.code, 0, up.stderr);
    const ours = await nvBytes(['s3', 'cp', `s3://${BUCKET}/stream/data.bin`, '-']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(sha(ours.stdout), sha(data));
    const small = await nv(['s3', 'cp', '-', `s3://${BUCKET}/stream/small.txt`], { input: 'hello\n' });
    assert.equal(small.code, 0, small.stderr);
    assert.equal((await nv(['s3', 'cp', `s3://${BUCKET}/stream/small.txt`, '-'])).stdout, 'hello\n');
    if (!hasAws) return t.skip('no /usr/bin/aws');
    const awsDown = await awsCli(s3.endpoint, ['s3', 'cp', `s3://${BUCKET}/stream/data.bin`, '-']);
    assert.equal(awsDown.code, 0, awsDown.stderr);
    assert.equal(sha(awsDown.stdout), sha(data));
    const awsUp = await awsCli(s3.endpoint, ['s3', 'cp', '-', `s3://${BUCKET}/stream/aws.bin`], data);
    assert.equal(awsUp.code, 0, awsUp.stderr);
    const back = await nvBytes(['s3', 'cp', `s3://${BUCKET}/stream/aws.bin`, '-']);
    assert.equal(sha(back.stdout), sha(data));
  });

  test('a 300-file tree with --recursive, both ways with aws-cli', async (t) => {
    const src = join(work, 'tree');
    for (let i = 0; i < 300; i++) {
      const dir = join(src, `d${i % 7}`, i % 2 ? 'odd' : '');
      await mkdir(dir, { recursive: true });
      const name = i % 10 === 0 ? `sp ace+plus=é ${i}.nii.gz` : `f${i}.bin`;
      await writeFile(join(dir, name), randomBytes(100 + ((i * 7919) % 30000)));
    }
    const want = await hashTree(src);
    const up = await nv(['s3', 'cp', 'tree', `s3://${BUCKET}/tree`, '--recursive', '-q']);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stderr, '');
    const down = await nv(['s3', 'cp', `s3://${BUCKET}/tree`, 'tree-back', '--recursive']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stderr.split('\n').filter((l) => l.startsWith('download: ')).length, 300);
    assert.deepEqual(await hashTree(join(work, 'tree-back')), want);
    if (!hasAws) return t.skip('no /usr/bin/aws');
    const awsDown = await awsCli(s3.endpoint, ['s3', 'cp', `s3://${BUCKET}/tree`, join(work, 'tree-aws'), '--recursive', '--only-show-errors']);
    assert.equal(awsDown.code, 0, awsDown.stderr);
    assert.deepEqual(await hashTree(join(work, 'tree-aws')), want);
    const awsUp = await awsCli(s3.endpoint, ['s3', 'cp', src, `s3://${BUCKET}/tree-by-aws/`, '--recursive', '--only-show-errors']);
    assert.equal(awsUp.code, 0, awsUp.stderr);
    const ours = await nv(['s3', 'cp', `s3://${BUCKET}/tree-by-aws/`, 'tree-ours', '--recursive', '-q']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.deepEqual(await hashTree(join(work, 'tree-ours')), want);
  });

  test('S3 → S3 is a server-side copy, single and recursive', async () => {
    const one = await nv(['s3', 'cp', `s3://${BUCKET}/one/f1k.bin`, `s3://${BUCKET}/copied/`]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stderr, `copy: s3://${BUCKET}/one/f1k.bin to s3://${BUCKET}/copied/f1k.bin\n`);
    const back = await nv(['s3', 'cp', `s3://${BUCKET}/copied/f1k.bin`, 'copied1k.bin']);
    assert.equal(back.code, 0, back.stderr);
    assert.ok((await readFile(join(work, 'copied1k.bin'))).equals(await readFile(join(work, 'f1k.bin'))));
    // s3rver decodes x-amz-copy-source with decodeURI, so a key with an encoded "+" or "=" is not found
    // (aws-cli 2.9.19 fails the same way there); real S3 decodes it properly.
    const rec = await nv(['s3', 'cp', `s3://${BUCKET}/tree/d1/`, `s3://${BUCKET}/tree-copy`, '--recursive', '--exclude', 'sp ace*', '-o', 'json']);
    assert.equal(rec.code, 0, rec.stderr);
    const actions = JSON.parse(rec.stdout) as { action: string; destination: string }[];
    assert.ok(actions.length > 10);
    assert.ok(actions.every((a) => a.action === 'copy' && a.destination.startsWith(`s3://${BUCKET}/tree-copy/`)));
  });
});

describe('s3 cp: filters, dry runs, content types', () => {
  test('--exclude "*" --include "*.txt" keeps .txt; the reverse order keeps nothing', async () => {
    const dir = join(work, 'filt');
    await mkdir(join(dir, 'sub'), { recursive: true });
    for (const f of ['a.txt', 'b.nii.gz', 'sub/c.txt', 'sub/d.bin']) await writeFile(join(dir, f), f);
    const listed = async (...filters: string[]) => {
      const r = await nv(['s3', 'cp', 'filt', `s3://${BUCKET}/filt/`, '--recursive', '--dryrun', ...filters]);
      assert.equal(r.code, 0, r.stderr);
      return r.stderr.trim().split('\n').filter(Boolean);
    };
    assert.deepEqual(await listed('--exclude', '*', '--include', '*.txt'), [
      `(dryrun) upload: filt/a.txt to s3://${BUCKET}/filt/a.txt`,
      `(dryrun) upload: filt/sub/c.txt to s3://${BUCKET}/filt/sub/c.txt`,
    ]);
    assert.deepEqual(await listed('--include', '*.txt', '--exclude', '*'), []);
    assert.equal((await listed('--exclude', 'sub/*')).length, 2);
    // nothing was written by the dry runs
    const ls = await nv(['s3', 'ls', `s3://${BUCKET}/filt/`]);
    assert.equal(ls.stdout, '');
    const real = await nv(['s3', 'cp', 'filt', `s3://${BUCKET}/filt`, '--recursive', '--exclude', '*.bin']);
    assert.equal(real.code, 0, real.stderr);
    const keys = JSON.parse((await nv(['s3', 'ls', `s3://${BUCKET}/filt/`, '--recursive', '-o', 'json'])).stdout) as { key: string }[];
    assert.deepEqual(keys.map((k) => k.key).sort(), ['filt/a.txt', 'filt/b.nii.gz', 'filt/sub/c.txt']);
  });

  test('Content-Type is guessed from the extension unless --content-type', async (t) => {
    if (!hasAws) return t.skip('no /usr/bin/aws');
    const head = async (key: string) => {
      const r = await awsCli(s3.endpoint, ['s3api', 'head-object', '--bucket', BUCKET, '--key', key]);
      return (JSON.parse(r.stdout.toString()) as { ContentType: string }).ContentType;
    };
    assert.equal(await head('filt/b.nii.gz'), 'application/gzip');
    assert.equal(await head('filt/a.txt'), 'text/plain');
    const r = await nv(['s3', 'cp', 'f1k.bin', `s3://${BUCKET}/typed.bin`, '--content-type', 'application/x-custom', '--metadata', 'subject=01']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await head('typed.bin'), 'application/x-custom');
  });
});

describe('s3 ls', () => {
  before(async () => {
    for (const k of ['ls/a.txt', 'ls/b 100%+x.txt', 'ls/sub/c.txt', 'ls/sub/deeper/d.txt', 'ls/zz/e.txt']) {
      const r = await nv(['s3', 'cp', '-', `s3://${BUCKET}/${k}`], { input: k });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  test('buckets', async () => {
    const r = await nv(['s3', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d test-bucket$/m);
  });

  test('one level like aws-cli: PRE lines, then date time size name', async () => {
    const r = await nv(['s3', 'ls', `s3://${BUCKET}/ls/`]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 2), ['                           PRE sub/', '                           PRE zz/']);
    assert.match(lines[2]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {10}8 a\.txt$/);
    assert.match(lines[3]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +15 b 100%\+x\.txt$/);
    const bare = await nv(['s3', 'ls', `s3://${BUCKET}/ls`]);
    assert.equal(bare.stdout, '                           PRE ls/\n');
  });

  test('--recursive lists full keys, paging with continuation tokens; records with -o', async () => {
    const r = await nv(['s3', 'ls', `s3://${BUCKET}/ls/`, '--recursive', '--page-size', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.slice(31)),
      ['ls/a.txt', 'ls/b 100%+x.txt', 'ls/sub/c.txt', 'ls/sub/deeper/d.txt', 'ls/zz/e.txt'],
    );
    const nd = await nv(['s3', 'ls', `s3://${BUCKET}/ls/`, '-o', 'ndjson']);
    const recs = nd.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; key: string; size?: number });
    assert.deepEqual(recs.map((x) => [x.type, x.key]), [
      ['prefix', 'ls/sub/'],
      ['prefix', 'ls/zz/'],
      ['object', 'ls/a.txt'],
      ['object', 'ls/b 100%+x.txt'],
    ]);
    const csv = await nv(['s3', 'ls', `s3://${BUCKET}/ls/sub/`, '--recursive', '-o', 'csv', '--columns', 'key,size']);
    assert.equal(csv.stdout, 'key,size\r\nls/sub/c.txt,12\r\nls/sub/deeper/d.txt,19\r\n');
  });

  test('a missing bucket is exit 4 with the S3 code', async () => {
    const r = await nv(['s3', 'ls', 's3://no-such-bucket-here/']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^neurovault: ls failed: s3:\/\/no-such-bucket-here\/: NoSuchBucket: The specified bucket does not exist$/m);
  });
});

describe('s3 errors and credentials', () => {
  test('a wrong secret is exit 3 with SignatureDoesNotMatch; an unknown key id InvalidAccessKeyId', async () => {
    const bad = await nv(['s3', 'cp', 'f1k.bin', `s3://${BUCKET}/x.bin`], { env: { AWS_SECRET_ACCESS_KEY: 'wrong' } });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /^neurovault: upload failed: \.\/f1k\.bin to s3:\/\/test-bucket\/x\.bin: SignatureDoesNotMatch: /m);
    assert.match(bad.stderr, /^hint: the secret key from AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/m);
    const unknown = await nv(['s3', 'ls', `s3://${BUCKET}`], { env: { AWS_ACCESS_KEY_ID: 'NOPE' } });
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /InvalidAccessKeyId/);
  });

  test('missing key → exit 4 and no file; missing bucket on upload → exit 4 with a hint', async () => {
    const r = await nv(['s3', 'cp', `s3://${BUCKET}/nope.bin`, 'nope.bin']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /download failed: s3:\/\/test-bucket\/nope\.bin to \.\/nope\.bin: NoSuchKey: /);
    assert.equal(await exists(join(work, 'nope.bin')), false);
    assert.deepEqual((await readdir(work)).filter((n) => n.startsWith('.nope.bin.')), [], 'no temporary file left');
    const nb = await nv(['s3', 'cp', 'f1k.bin', 's3://no-such-bucket-here/x']);
    assert.equal(nb.code, 4);
    assert.match(nb.stderr, /NoSuchBucket/);
    assert.match(nb.stderr, /hint: create it with: neurovault s3 mb s3:\/\/no-such-bucket-here/);
  });

  test('a recursive copy from a missing bucket stops at the listing with exit 4', async () => {
    const r = await nv(['s3', 'cp', 's3://no-such-bucket-here/x', 'nothing', '--recursive']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /^neurovault: cp failed: s3:\/\/no-such-bucket-here\/x to nothing: NoSuchBucket: /m);
  });

  test('usage errors are exit 2: missing source, directory without --recursive, "-" with --recursive', async () => {
    const missing = await nv(['s3', 'cp', 'does-not-exist.bin', `s3://${BUCKET}/x`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /The user-provided path does-not-exist\.bin does not exist\./);
    assert.equal((await nv(['s3', 'cp', 'tree', `s3://${BUCKET}/x/`])).code, 2);
    const stream = await nv(['s3', 'cp', '-', `s3://${BUCKET}/x/`, '--recursive']);
    assert.equal(stream.code, 2);
    assert.match(stream.stderr, /Streaming currently is only compatible with non-recursive cp commands/);
    assert.equal((await nv(['s3', 'cp', 'f1k.bin', `s3://${BUCKET}/x`, '--part-size', '1MB'])).code, 2);
  });

  test('--profile nosuch is exit 2; no credentials at all is exit 3 with a hint', async () => {
    const r = await nv(['s3', 'ls', '--profile', 'nosuch']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /The config profile \(nosuch\) could not be found/);
    const none = await nv(['s3', 'ls'], { env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
    assert.equal(none.code, 3);
    assert.match(none.stderr, /Unable to locate credentials/);
    assert.match(none.stderr, /^hint: .*AWS_ACCESS_KEY_ID/m);
    const anon = await nv(['s3', 'ls', `s3://${BUCKET}/ls/`, '--no-sign-request'], { env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });
    assert.equal(anon.code, 0, anon.stderr);
  });

  test('precedence against the signature-checking server: --profile > env keys > AWS_PROFILE', async () => {
    const credFile = join(work, 'aws-credentials');
    await writeFile(credFile, `[good]\naws_access_key_id = ${S3RVER_KEY}\naws_secret_access_key = ${S3RVER_KEY}\n[bad]\naws_access_key_id = ${S3RVER_KEY}\naws_secret_access_key = wrong\n`);
    const configFile = join(work, 'aws-config');
    await writeFile(configFile, `[profile cfg]\naws_access_key_id = ${S3RVER_KEY}\naws_secret_access_key = ${S3RVER_KEY}\nregion = us-east-1\n`);
    const files = { AWS_SHARED_CREDENTIALS_FILE: credFile, AWS_CONFIG_FILE: configFile };
    const ls = ['s3', 'ls', `s3://${BUCKET}/ls/`];
    assert.equal((await nv([...ls, '--profile', 'bad'], { env: files })).code, 3, 'env valid + --profile bad → profile wins');
    assert.equal((await nv([...ls, '--profile', 'good'], { env: { ...files, AWS_SECRET_ACCESS_KEY: 'wrong' } })).code, 0, 'env invalid + --profile good');
    assert.equal((await nv(ls, { env: { ...files, AWS_PROFILE: 'bad' } })).code, 0, 'env valid + AWS_PROFILE bad → env wins');
    const noEnv = { ...files, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined };
    assert.equal((await nv(ls, { env: { ...noEnv, AWS_PROFILE: 'bad' } })).code, 3, 'no env, AWS_PROFILE bad → uses it');
    assert.equal((await nv(ls, { env: { ...noEnv, AWS_PROFILE: 'cfg' } })).code, 0, 'keys only in the config file');
  });
});

describe('s3 multipart against a scripted server: retries and abort', () => {
  interface Hit {
    method: string;
    url: string;
    bytes: number;
    headers: IncomingMessage['headers'];
  }
  async function scripted(handler: (hit: Hit, res: ServerResponse, n: number) => void) {
    const hits: Hit[] = [];
    const server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        const hit = { method: req.method!, url: req.url!, bytes, headers: req.headers };
        hits.push(hit);
        handler(hit, res, hits.length);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { hits, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
  }
  const xml = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  };
  const PART = 5 * MiB;

  test('listing keys are URL-decoded only when the answer says <EncodingType>url</EncodingType>', async () => {
    const page = (encoded: boolean) =>
      `<ListBucketResult>${encoded ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>false</IsTruncated>` +
      '<Contents><Key>a%2Bb+c%25.txt</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><Size>3</Size><ETag>"x"</ETag></Contents></ListBucketResult>';
    let encoded = true;
    const srv = await scripted((_hit, res) => xml(res, 200, page(encoded)));
    try {
      const one = await nv(['s3', 'ls', 's3://bkt/', '--recursive', '-o', 'json'], { endpoint: srv.endpoint });
      assert.deepEqual((JSON.parse(one.stdout) as { key: string }[]).map((o) => o.key), ['a+b c%.txt']);
      encoded = false;
      const two = await nv(['s3', 'ls', 's3://bkt/', '--recursive', '-o', 'json'], { endpoint: srv.endpoint });
      assert.deepEqual((JSON.parse(two.stdout) as { key: string }[]).map((o) => o.key), ['a%2Bb+c%25.txt']);
      assert.ok(srv.hits.every((h) => h.url.includes('encoding-type=url')));
    } finally {
      await srv.close();
    }
  });

  test('a 503 SlowDown on a part is retried with the whole part re-sent', async () => {
    await writeFile(join(work, 'f12m.bin'), randomBytes(12 * MiB));
    let failed = false;
    const srv = await scripted((hit, res) => {
      if (hit.method === 'POST' && hit.url.includes('uploads')) return xml(res, 200, '<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>');
      if (hit.method === 'PUT' && hit.url.includes('partNumber=2') && !failed) {
        failed = true;
        return xml(res, 503, '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      }
      if (hit.method === 'PUT') {
        res.writeHead(200, { etag: `"e${hit.url}"` });
        return res.end();
      }
      if (hit.method === 'POST') return xml(res, 200, '<CompleteMultipartUploadResult><ETag>"x-3"</ETag></CompleteMultipartUploadResult>');
      res.writeHead(500).end();
    });
    try {
      const r = await nv(['s3', 'cp', 'f12m.bin', 's3://bkt/k', '--multipart-threshold', '5MB', '--part-size', '5MB'], { endpoint: srv.endpoint });
      assert.equal(r.code, 0, r.stderr);
      const parts = srv.hits.filter((h) => h.method === 'PUT');
      assert.equal(parts.length, 4);
      assert.deepEqual(parts.filter((h) => h.url.includes('partNumber=2')).map((h) => h.bytes), [PART, PART]);
      assert.ok(parts.every((h) => typeof h.headers['x-amz-checksum-crc32'] === 'string'));
      assert.equal(srv.hits[0]!.headers['x-amz-checksum-algorithm'], 'CRC32');
      assert.ok(parts.every((h) => h.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD'));
    } finally {
      await srv.close();
    }
  });

  test('a failed part aborts the upload; the Abort refusal (405) does not hide the real error', async () => {
    const srv = await scripted((hit, res) => {
      if (hit.method === 'POST' && hit.url.includes('uploads')) return xml(res, 200, '<InitiateMultipartUploadResult><UploadId>U2</UploadId></InitiateMultipartUploadResult>');
      if (hit.method === 'PUT' && hit.url.includes('partNumber=2')) return xml(res, 403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
      if (hit.method === 'PUT') {
        res.writeHead(200, { etag: '"e"' });
        return res.end();
      }
      if (hit.method === 'DELETE') return xml(res, 405, '<Error><Code>MethodNotAllowed</Code><Message>The specified method is not allowed against this resource.</Message></Error>');
      res.writeHead(500).end();
    });
    try {
      const r = await nv(['s3', 'cp', 'f12m.bin', 's3://bkt/k', '--multipart-threshold', '5MB', '--part-size', '5MB'], { endpoint: srv.endpoint });
      assert.equal(r.code, 3);
      assert.match(r.stderr, /^neurovault: upload failed: \.\/f12m\.bin to s3:\/\/bkt\/k: AccessDenied: Access Denied$/m);
      assert.ok(srv.hits.some((h) => h.method === 'DELETE' && h.url.includes('uploadId=U2')), 'AbortMultipartUpload sent');
      assert.ok(!srv.hits.some((h) => h.method === 'POST' && h.url.includes('uploadId=U2')), 'never completed');
    } finally {
      await srv.close();
    }
  });
  test('Ctrl-C: exit 130, the multipart upload is aborted, a download leaves neither file nor .part', async () => {
    let firstPart: () => void = () => undefined;
    const partArrived = new Promise<void>((r) => (firstPart = r));
    const srv = await scripted((hit, res) => {
      if (hit.method === 'POST' && hit.url.includes('uploads')) return xml(res, 200, '<InitiateMultipartUploadResult><UploadId>U3</UploadId></InitiateMultipartUploadResult>');
      if (hit.method === 'DELETE') return xml(res, 204, '');
      if (hit.method === 'GET') {
        // Headers and the first bytes of a 12 MiB object, then nothing: the client is mid-body when interrupted.
        res.writeHead(206, { 'content-length': String(5 * MiB), 'content-range': `bytes 0-${5 * MiB - 1}/${12 * MiB}`, etag: '"e"' });
        res.write(Buffer.alloc(64 * 1024));
        firstPart();
        return;
      }
      firstPart(); // a part PUT: never answered
    });
    try {
      const interrupt = (child: import('node:child_process').ChildProcess) => void partArrived.then(() => setTimeout(() => child.kill('SIGINT'), 100));
      const up = await runCli(['--endpoint-url', srv.endpoint, 's3', 'cp', 'f12m.bin', 's3://bkt/k', '--multipart-threshold', '5MB', '--part-size', '5MB'], {
        env: KEYS,
        cwd: work,
        onSpawn: interrupt,
      });
      assert.equal(up.code, 130, up.stderr);
      assert.ok(srv.hits.some((h) => h.method === 'DELETE' && h.url.includes('uploadId=U3')), 'AbortMultipartUpload sent after Ctrl-C');
    } finally {
      await srv.close();
    }
    let bodyStarted: () => void = () => undefined;
    const started = new Promise<void>((r) => (bodyStarted = r));
    const dl = await scripted((hit, res) => {
      res.writeHead(206, { 'content-length': String(5 * MiB), 'content-range': `bytes 0-${5 * MiB - 1}/${12 * MiB}`, etag: '"e"' });
      res.write(Buffer.alloc(64 * 1024));
      bodyStarted();
    });
    try {
      const down = await runCli(['--endpoint-url', dl.endpoint, 's3', 'cp', 's3://bkt/k', 'interrupted.bin', '--part-size', '5MB'], {
        env: KEYS,
        cwd: work,
        onSpawn: (child) => void started.then(() => setTimeout(() => child.kill('SIGINT'), 100)),
      });
      assert.equal(down.code, 130, down.stderr);
      assert.equal(await exists(join(work, 'interrupted.bin')), false);
      assert.deepEqual((await readdir(work)).filter((n) => n.startsWith('.interrupted.bin.')), [], 'no temporary file left');
    } finally {
      await dl.close();
    }
  });
});
