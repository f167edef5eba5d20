// CI re-run benchmark (issue 19): a re-run over a complete folder of --files images, as a CI job with a
// restored cache does it. Compared, interleaved, each round over the same folder:
//   - today's re-run: `download <collection> --out <dir>` (plans through the API, re-hashes via the manifest),
//   - today's `--frozen`: the same with a version-1 lock (ids, bytes, sha256: still plans through the API),
//   - the lock install: `download --lock nv.lock --frozen --out <dir>` (plans from the lock alone).
// Requests and TCP connections are counted at the stand-in, which runs in this process with --api-latency
// added to every API request (a CI runner far from neurovault.org). Then once each with the API answering
// 503 to everything (an outage): today's re-run against the lock install.
//   node dist/bench/lock-rerun.js [--files 1000] [--file-bytes 204800] [--rounds 5] [--api-latency 0,100] [--dir <tmp>]
// NODE_BIN picks the node that runs the CLI (default: this process's). Needs GNU time (/usr/bin/time) for CPU.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStandin, type Standin } from '../test/standin/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/neurovault.cjs');
const NODE = process.env.NODE_BIN || process.execPath;

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1000' },
    'file-bytes': { type: 'string', default: String(200 * 1024) },
    rounds: { type: 'string', default: '5' },
    'api-latency': { type: 'string', default: '0,100' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const files = Number(values.files);
const fileBytes = Number(values['file-bytes']);
const rounds = Number(values.rounds);
const latencies = values['api-latency'].split(',').map(Number);

interface Measure {
  ms: number;
  /** user + system CPU seconds of the CLI process (GNU time): steadier than wall time on a shared machine. */
  cpu: number;
  code: number | null;
  requests: number;
  connections: number;
}

function run(nv: Standin, args: string[], expectFailure = false): Promise<Measure> {
  const start = nv.requests.length;
  const connections = nv.connections;
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: '/nonexistent', XDG_CACHE_HOME: '/nonexistent' };
    const child = spawn('/usr/bin/time', ['-f', 'cpu %U %S', NODE, BIN, '--base-url', nv.url, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      const cpu = m ? Number(m[1]) + Number(m[2]) : NaN;
      if (code !== 0 && !expectFailure) process.stderr.write(`${args.join(' ')} → ${code}\n${stderr}`);
      resolve({ ms, cpu, code, requests: nv.requests.length - start, connections: nv.connections - connections });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const rows: string[] = [];
for (const latency of latencies) {
  const nv = await startStandin({ collections: 1, apiLatencyMs: latency });
  const { collection, images } = nv.addCollection(
    { name: `Benchmark collection (${files} files)` },
    Array.from({ length: files }, (_, i) => ({ $fileBytes: fileBytes, $filename: `bench_${String(i + 1).padStart(5, '0')}.nii.gz` })),
  );
  for (const im of images) nv.fileBody(im.id as number);
  const cid = String(collection.id);
  const work = mkdtempSync(join(values.dir, 'nv-lock-rerun-'));
  const out = join(work, 'data');
  const lock = join(work, 'nv.lock');
  const first = await run(nv, ['download', cid, '--out', out, '--lock', lock, '--quiet']);
  if (first.code !== 0) throw new Error('the first download failed');
  const v1 = join(work, 'v1.lock');
  const doc = JSON.parse(readFileSync(lock, 'utf8')) as { images: Record<string, unknown>[] };
  const v1Images = doc.images.map((e) => ({ id: e.id, collection_id: e.collection_id, modify_date: e.modify_date, bytes: e.bytes, sha256: e.sha256 }));
  writeFileSync(v1, JSON.stringify({ lockfileVersion: 1, images: v1Images }));

  const variants: [string, string[]][] = [
    ["`download <id> --out data` (today's re-run)", ['download', cid, '--out', out, '--quiet']],
    ["`download <id> --lock v1.lock --frozen` (today's --frozen)", ['download', cid, '--out', out, '--lock', v1, '--frozen', '--quiet']],
    ['`download --lock nv.lock --frozen` (lock install)', ['download', '--out', out, '--lock', lock, '--frozen', '--quiet']],
  ];
  const results = variants.map(() => [] as Measure[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      results[i]!.push(await run(nv, variants[i]![1]));
    }
  }
  const base = median(results[0]!.map((m) => m.ms));
  variants.forEach(([label], i) => {
    const ms = median(results[i]!.map((m) => m.ms));
    const last = results[i]!.at(-1)!;
    const codes = [...new Set(results[i]!.map((m) => m.code))].join(',');
    const cpu = median(results[i]!.map((m) => m.cpu));
    rows.push(`| ${latency} ms | ${label} | ${ms.toFixed(0)} ms | ${(base / ms).toFixed(2)}x | ${cpu.toFixed(2)} s | ${last.requests} | ${last.connections} | ${codes} |`);
  });

  nv.faults.apiDown = true;
  const downToday = await run(nv, ['download', cid, '--out', out, '--quiet'], true);
  const downLock = await run(nv, ['download', '--out', out, '--lock', lock, '--frozen', '--quiet']);
  nv.faults.apiDown = false;
  rows.push(`| ${latency} ms, API down (503) | today's re-run | ${downToday.ms.toFixed(0)} ms | — | ${downToday.cpu.toFixed(2)} s | ${downToday.requests} | ${downToday.connections} | ${downToday.code} |`);
  rows.push(`| ${latency} ms, API down (503) | lock install | ${downLock.ms.toFixed(0)} ms | — | ${downLock.cpu.toFixed(2)} s | ${downLock.requests} | ${downLock.connections} | ${downLock.code} |`);
  await nv.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(`Re-run over a complete folder: ${files} files × ${(fileBytes / 1024).toFixed(0)} KiB, ${rounds} interleaved rounds, node ${process.version} (CLI: ${NODE}), load ${loadavg()[0]!.toFixed(1)}`);
console.log('');
console.log('| API latency | command | median wall | speed-up vs today | median CPU | requests | connections | exit |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
