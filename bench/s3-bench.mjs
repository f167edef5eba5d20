#!/usr/bin/env node
// neurovault s3 cp against aws-cli 2.9.19 (/usr/bin/aws) on one local @20minutes/s3rver, interleaved:
// every round runs each scenario with both tools, alternating which goes first, so the machine's drift
// hits both alike. Wall time is measured here; peak RSS comes from /usr/bin/time -v. Prints a markdown
// table of medians and the aws/ours ratio (above 1 = we are faster).
//
//   node bench/s3-bench.mjs [--rounds 5] [--only up-200M,down-200M,up-500,down-500,up-1K]
//   NV_BIN=/path/to/bin/neurovault.cjs overrides the CLI under test, NODE_BIN the node it runs on (default:
//   this process's); s3rver always runs on this process's node.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', process.env.ROUNDS ?? 5));
const ONLY = opt('only', '')?.split(',').filter(Boolean);
const AWS = '/usr/bin/aws';
const TIME = '/usr/bin/time';
const NV = process.env.NV_BIN ?? join(repo, 'bin', 'neurovault.cjs');
const NODE = process.env.NODE_BIN || process.execPath;
const MiB = 1024 * 1024;

const work = await mkdtemp(join(tmpdir(), 'nv-s3-bench-'));
const env = {
  PATH: process.env.PATH,
  HOME: work,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_PAGER: '',
};

function run(cmd, argv, { quiet = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** One timed run: wall seconds (measured here) and peak RSS in KiB (from /usr/bin/time). */
async function timed(argv) {
  const rssFile = join(work, 'rss.txt');
  const t0 = process.hrtime.bigint();
  const r = await run(TIME, ['-f', '%M', '-o', rssFile, ...argv]);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const rssKiB = Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop());
  return { secs, rssKiB };
}

async function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const port = await freePort();
  const launcher = join(work, 's3rver.cjs');
  // The published package lacks its bin file; this is the launcher from ../shared/S3.md §1.
  await writeFile(
    launcher,
    `require(${JSON.stringify(join(repo, 'node_modules/@20minutes/s3rver/lib/cli'))}).parseAsync().catch((e) => { console.error(e); process.exit(1) })\n`,
  );
  const child = spawn(process.execPath, ['--openssl-legacy-provider', launcher, '-d', join(work, 's3data'), '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', 'bench'], {
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${endpoint}/`).then(
      () => true,
      () => false,
    );
    if (ok) return { endpoint, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('s3rver did not start');
}

async function writeRandom(path, bytes) {
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= 4 * MiB) {
    if (!out.write(randomBytes(Math.min(4 * MiB, left)))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

const { endpoint, child: server } = await startServer();
const ep = ['--endpoint-url', endpoint];
const data = join(work, 'data');
await mkdir(join(data, 'tree'), { recursive: true });
await writeRandom(join(data, 'big.bin'), 200 * MiB);
await writeRandom(join(data, 'f1k.bin'), 1024);
for (let i = 0; i < 500; i++) await writeFile(join(data, 'tree', `f${String(i).padStart(3, '0')}.bin`), randomBytes(20 * 1024));
// Download sources, put there once by aws-cli.
for (const [src, dst, extra] of [
  [join(data, 'big.bin'), 's3://bench/src/big.bin', []],
  [join(data, 'tree'), 's3://bench/src/tree/', ['--recursive']],
]) {
  const r = await run(AWS, [...ep, 's3', 'cp', src, dst, '--no-progress', '--only-show-errors', ...extra]);
  if (r.code !== 0) throw new Error(r.stderr);
}

const tools = {
  aws: (a) => [AWS, ...ep, 's3', 'cp', ...a, '--no-progress'],
  ours: (a) => [NODE, NV, ...ep, 's3', 'cp', ...a],
};
const out = (tool, name) => join(work, 'out', tool, name);
const scenarios = [
  { id: 'up-200M', label: 'upload 1×200 MiB', argv: (t) => [join(data, 'big.bin'), `s3://bench/up/${t}/big.bin`] },
  { id: 'down-200M', label: 'download 1×200 MiB', argv: (t) => ['s3://bench/src/big.bin', out(t, 'big.bin')], clean: (t) => rm(out(t, 'big.bin'), { force: true }) },
  { id: 'up-500', label: 'upload 500×20 KiB --recursive', argv: (t) => [join(data, 'tree'), `s3://bench/up/${t}/tree/`, '--recursive'] },
  { id: 'down-500', label: 'download 500×20 KiB --recursive', argv: (t) => ['s3://bench/src/tree/', out(t, 'tree'), '--recursive'], clean: (t) => rm(out(t, 'tree'), { recursive: true, force: true }) },
  { id: 'up-1K', label: 'upload 1×1 KiB', argv: (t) => [join(data, 'f1k.bin'), `s3://bench/up/${t}/f1k.bin`] },
].filter((s) => !ONLY?.length || ONLY.includes(s.id));

const results = {};
try {
  // One untimed warm-up of everything (page cache, server JIT).
  for (const s of scenarios) for (const t of Object.keys(tools)) (await s.clean?.(t), await timed(tools[t](s.argv(t))));
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of scenarios) {
      const order = round % 2 ? ['aws', 'ours'] : ['ours', 'aws'];
      for (const t of order) {
        await s.clean?.(t);
        const r = await timed(tools[t](s.argv(t)));
        ((results[s.id] ??= {})[t] ??= []).push(r);
      }
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  // The outputs of the last round must be byte-exact.
  const same = async (a, b) => (await readFile(a)).equals(await readFile(b));
  if (results['down-200M'] && !(await same(join(data, 'big.bin'), out('ours', 'big.bin')))) throw new Error('download 200 MiB differs');
  if (results['down-500']) {
    for (let i = 0; i < 500; i += 37) {
      const name = `f${String(i).padStart(3, '0')}.bin`;
      if (!(await same(join(data, 'tree', name), join(out('ours', 'tree'), name)))) throw new Error(`download ${name} differs`);
    }
  }
} finally {
  server.kill();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const secs = (x) => `${x.toFixed(2)} s`;
const mib = (k) => `${(k / 1024).toFixed(0)} MiB`;
console.log(`aws-cli 2.9.19 vs neurovault s3 cp (Node ${execFileSync(NODE, ['-v'], { encoding: 'utf8' }).trim()}), @20minutes/s3rver 4.0.4 on loopback, ${ROUNDS} interleaved rounds, medians (min–max); RSS = peak, median (max)\n`);
console.log('| scenario | aws-cli | neurovault | speed-up | aws-cli RSS | neurovault RSS |');
console.log('|---|---|---|---|---|---|');
for (const s of scenarios) {
  const a = results[s.id].aws;
  const o = results[s.id].ours;
  const at = a.map((r) => r.secs);
  const ot = o.map((r) => r.secs);
  const ar = a.map((r) => r.rssKiB);
  const orr = o.map((r) => r.rssKiB);
  console.log(
    `| ${s.label} | ${secs(median(at))} (${secs(Math.min(...at))}–${secs(Math.max(...at))}) | ${secs(median(ot))} (${secs(Math.min(...ot))}–${secs(Math.max(...ot))}) | **${(median(at) / median(ot)).toFixed(2)}x** | ${mib(median(ar))} (${mib(Math.max(...ar))}) | ${mib(median(orr))} (${mib(Math.max(...orr))}) |`,
  );
}
await rm(work, { recursive: true, force: true });
