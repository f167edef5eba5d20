// The S3 commands against a hostile or broken S3 server (issue 9): one misbehaviour per test, the real CLI
// in a child process, and assertions on what reached the wire, what was written, the exit code and stderr.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult, type RunOptions } from './helpers/run-cli.js';
import { startHostile, type HostileHandler, type HostileServer } from './hostile/server.js';
import { awsAvailable, awsCli, S3RVER_KEY, startS3rver } from './helpers/s3rver.js';
import { FAKE_AWS_ENV, errorXml, isListing, listingXml, sendXml, type ListedObject } from './hostile/s3.js';

let work: string;
const servers: HostileServer[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'nv-s3-hostile-'));
  await writeFile(join(work, 'f.txt'), 'payload\n');
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(work, { recursive: true, force: true });
});

async function serve(handler: HostileHandler, opts: { maxRequests?: number } = {}): Promise<HostileServer> {
  const s = await startHostile(handler, opts);
  servers.push(s);
  return s;
}

function nv(endpoint: string, args: string[], opts: { env?: Record<string, string>; onSpawn?: RunOptions['onSpawn']; timeoutMs?: number } = {}): Promise<CliResult> {
  return runCli(['--endpoint-url', endpoint, ...args], { env: { ...FAKE_AWS_ENV, ...opts.env }, cwd: work, timeoutMs: opts.timeoutMs ?? 15_000, onSpawn: opts.onSpawn });
}

/** The error lines (hints aside); a failure must be said in exactly one. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('neurovault: '));
}

function assertOneLineError(r: CliResult, pattern: RegExp): void {
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, `one error line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** A bucket whose listing is `objects` and whose objects all hold `body`. */
function bucketOf(objects: ListedObject[], body = 'abcde'): HostileHandler {
  return (req, res) => {
    if (isListing(req.url ?? '')) return sendXml(res, 200, listingXml({ objects }));
    res.writeHead(200, { 'Content-Length': String(body.length), ETag: '"e"' });
    res.end(body);
  };
}

const putOk: HostileHandler = (_req, res) => {
  res.writeHead(200, { ETag: '"etag"', 'Content-Length': '0' });
  res.end();
};

describe('object keys go on the wire exactly as given', () => {
  test('`..` segments are neither resolved into another bucket nor out of the endpoint path', async () => {
    const srv = await serve(putOk);
    const r1 = await nv(srv.url, ['s3', 'cp', 'f.txt', 's3://bkt/../victim/owned.txt']);
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await nv(`${srv.url}/base`, ['s3', 'cp', 'f.txt', 's3://bkt/a/../../../x']);
    assert.equal(r2.code, 0, r2.stderr);
    const r3 = await nv(srv.url, ['s3', 'cp', 'f.txt', 's3://bkt/p/./q/.']);
    assert.equal(r3.code, 0, r3.stderr);
    assert.deepEqual(
      srv.requests.map((r) => `${r.method} ${r.path}`),
      ['PUT /bkt/../victim/owned.txt', 'PUT /base/bkt/a/../../../x', 'PUT /bkt/p/./q/.'],
    );
  });

  test('a GET of the key p/x/../a.txt fetches that object, not p/a.txt', async () => {
    const srv = await serve((req, res) => {
      const body = req.url === '/bkt/p/x/../a.txt' ? 'right object' : 'WRONG OBJECT';
      res.writeHead(200, { 'Content-Length': String(body.length), ETag: '"e"' });
      res.end(body);
    });
    const r = await nv(srv.url, ['s3', 'cp', 's3://bkt/p/x/../a.txt', 'got.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(work, 'got.txt'), 'utf8'), 'right object');
    assert.deepEqual(srv.requests.map((q) => q.path), ['/bkt/p/x/../a.txt']);
  });

  test('signed as sent: s3rver (which checks signatures) takes such keys from us and from aws-cli alike', async (t) => {
    if (!(await awsAvailable())) return t.skip('no /usr/bin/aws');
    const s3 = await startS3rver(['bkt']);
    try {
      const env = { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_DEFAULT_REGION: 'us-east-1' };
      const put = await runCli(['--endpoint-url', s3.endpoint, 's3', 'cp', 'f.txt', 's3://bkt/p/x/../a.txt'], { env, cwd: work });
      assert.equal(put.code, 0, put.stderr);
      const got = await awsCli(s3.endpoint, ['s3api', 'get-object', '--bucket', 'bkt', '--key', 'p/x/../a.txt', join(work, 'aws-got.txt')]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(await readFile(join(work, 'aws-got.txt'), 'utf8'), 'payload\n');
      const awsPut = await awsCli(s3.endpoint, ['s3api', 'put-object', '--bucket', 'bkt', '--key', 'q/./y/../z.txt', '--body', join(work, 'f.txt')]);
      assert.equal(awsPut.code, 0, awsPut.stderr);
      const back = await runCli(['--endpoint-url', s3.endpoint, 's3', 'cp', 's3://bkt/q/./y/../z.txt', '-'], { env, cwd: work });
      assert.equal(back.code, 0, back.stderr);
      assert.equal(back.stdout, 'payload\n');
    } finally {
      await s3.close();
    }
  });
});

describe('numbers from the server are checked', () => {
  test('a listed size that is not a number: cp --recursive writes nothing, exit 1', async () => {
    const srv = await serve(bucketOf([{ key: 'p/x.bin', size: 'notanumber' }]));
    const dest = join(work, 'nan-dest');
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Size.*notanumber/);
    assert.equal(await exists(join(dest, 'x.bin')), false, 'nothing under the final name');
    assert.deepEqual((await exists(dest)) ? (await readdir(dest)).filter((n) => n.endsWith('.nvpart')) : [], [], 'no temporary file left');
    assert.equal(srv.requests.filter((q) => q.method === 'GET' && !isListing(q.path)).length, 0, 'no GET of the object');
  });

  test('a listed size that is not a number: ls prints no NaN, exit 1', async () => {
    const srv = await serve(bucketOf([{ key: 'p/x.bin', size: 'notanumber' }]));
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/']);
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, /NaN/);
    assertOneLineError(r, /ls failed: .*Size/);
  });

  for (const size of ['1e15', 'Infinity', '-5', '99999999999999999999']) {
    test(`a listed size of ${size} is refused without allocating from it`, async () => {
      const srv = await serve(bucketOf([{ key: 'p/big.bin', size }]));
      const dest = join(work, `size-${size}`);
      // A small heap: allocating from the claimed size dies here instead of eating the machine.
      const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /Size/);
      assert.equal(await exists(join(dest, 'big.bin')), false);
    });
  }

  test('a huge but well-formed listed size is not allocated from: the short body fails the download', async () => {
    const srv = await serve(bucketOf([{ key: 'p/big.bin', size: '1000000000000000' }]));
    const dest = join(work, 'huge-dest');
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(await exists(join(dest, 'big.bin')), false);
    assert.ok(srv.requests.length < 50, `a handful of requests, not ${srv.requests.length}`);
  });

  test('a body shorter than the listed size never reaches the final name', async () => {
    const srv = await serve(bucketOf([{ key: 'p/x.bin', size: '10' }], 'abcde'));
    const dest = join(work, 'short-dest');
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /5 .*10|10.*5/);
    assert.equal(await exists(join(dest, 'x.bin')), false);
    assert.deepEqual(await readdir(dest).catch(() => []), []);
  });

  test('an object size beyond any real object in Content-Range is refused without allocating from it', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(206, { 'Content-Range': 'bytes 0-4/99999999999999999999', 'Content-Length': '5', ETag: '"e"' });
      res.end('abcde');
    });
    const r = await nv(srv.url, ['s3', 'cp', 's3://bkt/k.bin', 'cr.bin'], { env: { NODE_OPTIONS: '--max-old-space-size=128' } });
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /size/);
    assert.equal(await exists(join(work, 'cr.bin')), false);
  });
});

describe('keys that are no safe local path are refused, one by one', () => {
  test('dot segments, empty segments and absolute keys: the rest is downloaded, exit 1', async () => {
    const bad = ['p/sub/..', 'p/.', 'p/a/./b', 'p/a//b', 'p//abs', 'p/../escape'];
    const srv = await serve(bucketOf([...bad, 'p/ok.txt'].map((key) => ({ key, size: '5' }))));
    const parent = join(work, 'unsafe');
    const dest = join(parent, 'dest');
    await mkdir(dest, { recursive: true });
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(await readFile(join(dest, 'ok.txt'), 'utf8'), 'abcde');
    assert.deepEqual(await readdir(dest), ['ok.txt'], 'nothing else inside');
    assert.deepEqual(await readdir(parent), ['dest'], 'nothing beside (no dest.part, no escape)');
    assert.ok((await stat(dest)).isDirectory());
    const lines = errorLines(r.stderr);
    for (const key of bad) assert.ok(lines.some((l) => l.includes(`s3://bkt/${key}:`)), `an error for ${key}:\n${r.stderr}`);
    assert.equal(srv.requests.filter((q) => q.method === 'GET' && !isListing(q.path)).length, 1, 'only ok.txt was fetched');
  });

  test('a single object whose name is a dot segment is not written into the folder', async () => {
    const srv = await serve(bucketOf([]));
    await mkdir(join(work, 'single'), { recursive: true });
    const r = await nv(srv.url, ['s3', 'cp', 's3://bkt/p/..', join(work, 'single') + '/']);
    assert.equal(r.code, 2, r.stderr);
    assertOneLineError(r, /s3:\/\/bkt\/p\/\.\./);
    assert.equal(srv.requests.length, 0);
  });
});

describe('redirects', () => {
  test('a signed request does not follow a 307 to another host', async () => {
    const foreign = await serve((req, res) => sendXml(res, 200, listingXml({ objects: [{ key: 'p/x', size: '1' }] })));
    const srv = await serve((req, res) => {
      res.writeHead(307, { Location: `${foreign.url}${req.url}`, 'Content-Length': '0' });
      res.end();
    });
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/']);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /redirect/i);
    assert.equal(foreign.requests.length, 0, 'nothing at all went to the other host');
    const r2 = await nv(srv.url, ['s3', 'cp', 's3://bkt/p/x', 'redirected.bin']);
    assert.equal(r2.code, 1, r2.stderr);
    assert.equal(await exists(join(work, 'redirected.bin')), false);
    for (const q of foreign.requests) {
      assert.equal(q.headers.authorization, undefined);
      assert.equal(q.headers['x-amz-security-token'], undefined);
    }
    assert.equal(foreign.requests.length, 0);
  });
});

describe('listings that never end', () => {
  test('a repeated continuation token stops the listing, exit 1', async () => {
    const srv = await serve((_req, res) => sendXml(res, 200, listingXml({ objects: [{ key: 'p/a', size: '1' }], truncated: true, token: 'same' })), { maxRequests: 50 });
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/']);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /continuation token/);
    assert.equal(srv.capped, false);
    assert.ok(srv.requests.length <= 3, `${srv.requests.length} requests`);
  });

  test('a truncated page without a token is an error, not the end', async () => {
    const srv = await serve((_req, res) => sendXml(res, 200, listingXml({ objects: [{ key: 'p/a', size: '1' }], truncated: true })));
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/']);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /continuation token/);
  });

  test('endless empty truncated pages stop, exit 1', async () => {
    const srv = await serve((_req, res, _body, n) => sendXml(res, 200, listingXml({ truncated: true, token: `t${n}` })), { maxRequests: 400 });
    const dest = join(work, 'empty-pages');
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest]);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /empty/);
    assert.equal(srv.capped, false);
  });
});

describe('XML from the server', () => {
  test('an error body of 65,000 "<" does not block the process: SIGINT ends it at once', async () => {
    let answered: () => void;
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
    const srv = await serve((_req, res, _body, n) => {
      if (n > 1) return; // later attempts hang: only a signal ends the run
      // 503 SlowDown is retried by any policy, so the run goes on to a request that hangs.
      sendXml(res, 503, `<Error><Code>SlowDown</Code><Message>${'<'.repeat(65_000)}`);
      answered();
    });
    let sentAt = 0;
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/'], {
      timeoutMs: 8_000,
      onSpawn: (child) => {
        void firstAnswer.then(async () => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          sentAt = Date.now();
          child.kill('SIGINT');
        });
      },
    });
    const took = Date.now() - sentAt;
    assert.equal(r.code, 130, `exit 130 after SIGINT, got ${r.code ?? r.signal}: ${r.stderr}`);
    assert.ok(took < 1_500, `ended ${took} ms after SIGINT`);
  });

  test('a listing with 6,000 stray "<" fails fast as malformed, exit 1', async () => {
    const srv = await serve((_req, res) => sendXml(res, 200, listingXml({ objects: [{ key: 'p/a', size: '1' }] }) + '<'.repeat(6_000)));
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/'], { timeoutMs: 10_000 });
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /malformed XML|unexpected response/);
  });

  test('a listing body over the cap is not read to its end', async () => {
    const one = listingXml({ objects: [{ key: 'p/a', size: '1' }] });
    const padding = ' '.repeat(12 * 1024 * 1024);
    const srv = await serve((_req, res) => sendXml(res, 200, one.replace('<Name>', `${padding}<Name>`)));
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/']);
    assert.equal(r.code, 1, r.stderr);
    assertOneLineError(r, /MiB/);
  });

  test('a 10 MB error message with control characters is cut and escaped', async () => {
    const message = `\u001b[31mred\u001b[0m\r\n${'x'.repeat(10 * 1024 * 1024)}`;
    const srv = await serve((_req, res) => sendXml(res, 403, errorXml('AccessDenied', message)));
    const r = await nv(srv.url, ['s3', 'ls', 's3://bkt/p/']);
    assert.equal(r.code, 3, r.stderr);
    assertOneLineError(r, /AccessDenied/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no control characters reach the terminal');
    assert.ok(r.stderr.length < 2_000, `stderr is ${r.stderr.length} characters`);
  });
});

describe('temporary names and links in the destination (issue 16, items 1-3)', () => {
  /** A bucket whose listing is `keys` and whose objects each hold their own key as the body. */
  function ownBodies(keys: string[]): HostileHandler {
    return (req, res) => {
      if (isListing(req.url ?? '')) return sendXml(res, 200, listingXml({ objects: keys.map((key) => ({ key, size: String(`body of ${key}`.length) })) }));
      const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/bkt\//, ''));
      const body = `body of ${key}`;
      res.writeHead(200, { 'Content-Length': String(body.length), ETag: '"e"' });
      res.end(body);
    };
  }

  test('a prefix holding x and x.part copies both, each with its own bytes', async () => {
    const keys = ['p/image_101.nii.gz.part', 'p/image_101.nii.gz', 'p/a.txt', 'p/a.txt.part'];
    const srv = await serve(ownBodies(keys));
    const dest = join(work, 'with-parts');
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest]);
    assert.equal(r.code, 0, r.stderr);
    for (const key of keys) assert.equal(await readFile(join(dest, key.slice(2)), 'utf8'), `body of ${key}`, key);
    assert.deepEqual((await readdir(dest)).sort(), keys.map((k) => k.slice(2)).sort(), 'nothing else left behind');
  });

  test('a planted <dest>.part link is never written through', async () => {
    const srv = await serve(ownBodies(['p/a.txt']));
    const dir = join(work, 'planted-part');
    await mkdir(dir, { recursive: true });
    const victim = join(work, 'planted-victim.txt');
    await writeFile(victim, 'precious');
    await symlink(victim, join(dir, 'got.txt.part'));
    const r = await nv(srv.url, ['s3', 'cp', 's3://bkt/p/a.txt', join(dir, 'got.txt')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.equal(await readFile(join(dir, 'got.txt'), 'utf8'), 'body of p/a.txt');
    assert.ok((await lstat(join(dir, 'got.txt'))).isFile());
  });

  test('a folder link inside the destination is refused by name; the rest is copied, exit 1', async () => {
    const srv = await serve(ownBodies(['p/dir/x.txt', 'p/ok.txt']));
    const dest = join(work, 'linked-dir');
    const outside = join(work, 'linked-dir-outside');
    await mkdir(dest, { recursive: true });
    await mkdir(outside, { recursive: true });
    await symlink(outside, join(dest, 'dir'));
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', dest]);
    assert.equal(r.code, 1, r.stderr);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, /^neurovault: download failed: s3:\/\/bkt\/p\/dir\/x\.txt .*: refusing \S*linked-dir\/dir: a symbolic link/);
    assert.match(lines[1]!, /^neurovault: cp: 1 transfer failed$/);
    assert.deepEqual(await readdir(outside), [], 'nothing written through the link');
    assert.equal(await readFile(join(dest, 'ok.txt'), 'utf8'), 'body of p/ok.txt');
  });

  test('the destination folder itself may be a link', async () => {
    const srv = await serve(ownBodies(['p/sub/x.txt']));
    const real = join(work, 'real-dest');
    await mkdir(real, { recursive: true });
    await symlink(real, join(work, 'dest-link'));
    const r = await nv(srv.url, ['s3', 'cp', '--recursive', 's3://bkt/p/', join(work, 'dest-link')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(real, 'sub/x.txt'), 'utf8'), 'body of p/sub/x.txt');
  });
});
