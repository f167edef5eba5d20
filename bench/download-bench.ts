// Download benchmark (issue 3): `neurovault download` against curl on the same stand-in URLs.
//   node dist/bench/download-bench.js [--rounds 5] [--files 500] [--file-bytes 204800] [--dir <tmp>]
//                                     [--latencies 0,20] [--rss-mib 64] [--concurrency 6]
// For each latency a fresh stand-in serves --files files; every round runs, interleaved and each into a
// new folder on the same file system (nothing is deleted until the rounds are over): neurovault,
// `curl --parallel --parallel-max 6`, and curl fetching the URLs one at a time on one connection (many URLs
// on one command line reuse it). Medians are reported. Then the peak RSS of one --rss-mib file through
// `/usr/bin/time -v`. `--dir /dev/shm` takes the disk out of the comparison (tmpfs). Two floor rows
// (bench/undici-floor.ts) run in the same rounds as reference points. NODE_BIN picks the node that runs
// the CLI and the floor (default: this process's); the stand-in runs on this process's node.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/neurovault.cjs');
const STANDIN = join(ROOT, 'dist/test/standin/cli.js');
const FLOOR = join(ROOT, 'dist/bench/undici-floor.bundle.js');
const NODE = process.env.NODE_BIN || process.execPath;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    files: { type: 'string', default: '500' },
    'file-bytes': { type: 'string', default: String(200 * 1024) },
    dir: { type: 'string', default: tmpdir() },
    latencies: { type: 'string', default: '0,20' },
    'rss-mib': { type: 'string', default: '64' },
    concurrency: { type: 'string', default: '6' },
  },
});
const rounds = Number(values.rounds);
const files = Number(values.files);
const fileBytes = Number(values['file-bytes']);

interface Standin {
  url: string;
  filesCollectionId: number;
  stop(): void;
}

async function startStandin(args: string[]): Promise<Standin> {
  const child = spawn(process.execPath, [STANDIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.on('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  const info = JSON.parse(line) as { url: string; filesCollectionId: number };
  return { ...info, stop: () => child.kill('SIGTERM') };
}

async function fileUrls(s: Standin): Promise<string[]> {
  const urls: string[] = [];
  for (let next: string | null = `${s.url}/api/collections/${s.filesCollectionId}/images/?limit=1000`; next; ) {
    const page = (await (await fetch(next)).json()) as { next: string | null; results: { file: string }[] };
    urls.push(...page.results.map((r) => r.file));
    next = page.next;
  }
  return urls;
}

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${args.slice(0, 4).join(' ')} … exited ${code}: ${err.slice(0, 500)}`));
      else resolve(ms);
    });
  });
}

/** Bytes and file count in a folder tree, to check each tool really wrote everything. */
function written(dir: string): { files: number; bytes: number } {
  let n = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !/\.nii\.gz$/.test(e.name)) continue;
    n++;
    bytes += statSync(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return { files: n, bytes };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Row {
  latency: number;
  tool: string;
  ms: number[];
  bytes: number;
}

async function benchLatency(latency: number): Promise<Row[]> {
  const s = await startStandin(['--files', String(files), '--file-collection-size', String(fileBytes), '--file-latency', String(latency), '--collections', '1']);
  const work = mkdtempSync(join(values.dir!, `nv-bench-${latency}ms-`));
  try {
    const urls = await fileUrls(s);
    const urlsFile = join(work, 'urls.txt');
    writeFileSync(urlsFile, `${urls.join('\n')}\n`);
    // Warm the stand-in's file cache so the first tool measured is not charged for generating bodies.
    await run('curl', ['-s', '--parallel', '--parallel-max', '6', ...urls.flatMap((u) => ['-o', '/dev/null', u])]);
    // [label, command for an output folder, whether it writes the files there]
    const tools: [string, (out: string) => [string, string[]], boolean][] = [
      ['neurovault download', (out) => [NODE, [BIN, '--base-url', s.url, 'download', String(s.filesCollectionId), '--out', out, '-q', '--concurrency', values.concurrency!]], true],
      ['curl --parallel --parallel-max 6', (out) => ['curl', ['-sS', '--fail', '--parallel', '--parallel-max', '6', '--output-dir', out, '--create-dirs', '--remote-name-all', ...urls]], true],
      ['curl one at a time, one connection', (out) => ['curl', ['-sS', '--fail', '--output-dir', out, '--create-dirs', '--remote-name-all', ...urls]], true],
      // Reference points, not competitors: the least an undici client can do (bench/undici-floor.ts).
      ['floor: bare undici, receive only', () => [NODE, [FLOOR, 'recv', urlsFile]], false],
      ['floor: bare undici + write + sha256', (out) => [NODE, [FLOOR, 'hash', urlsFile, out]], true],
    ];
    const rows: Row[] = tools.map(([tool]) => ({ latency, tool, ms: [], bytes: 0 }));
    for (let r = 0; r < rounds; r++) {
      // The order rotates each round, so no tool always runs first (or right after the same one).
      for (let k = 0; k < tools.length; k++) {
        const i = (k + r) % tools.length;
        const [, make, writes] = tools[i]!;
        // A new folder per run, all deleted only at the end: ext4 skips inodes freed in the last minute
        // when it allocates new ones, so deleting the previous run's files right before a run slows every
        // file creation in it, and most for the tool that creates the most files.
        const out = join(work, `r${r}-t${i}`);
        spawnSync('sync');
        const [cmd, args] = make(out);
        rows[i]!.ms.push(await run(cmd, args));
        if (!writes) {
          rows[i]!.bytes = files * fileBytes;
          continue;
        }
        const w = written(out);
        if (w.files !== files) throw new Error(`${rows[i]!.tool} wrote ${w.files} files`);
        rows[i]!.bytes = w.bytes;
      }
      process.stderr.write(`latency ${latency} ms, round ${r + 1}/${rounds}: ${rows.map((x) => `${Math.round(x.ms[r]!)} ms`).join(' / ')}\n`);
    }
    return rows;
  } finally {
    s.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function peakRss(mib: number): Promise<number> {
  const s = await startStandin(['--files', '1', '--file-collection-size', String(mib * 1024 * 1024), '--collections', '1']);
  const out = mkdtempSync(join(values.dir!, 'nv-bench-rss-'));
  try {
    const r = spawnSync('/usr/bin/time', ['-v', NODE, BIN, '--base-url', s.url, 'download', String(s.filesCollectionId), '--out', out, '-q'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`rss run failed: ${r.stderr}`);
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
    if (written(out).bytes < mib * 1024 * 1024 * 0.99) throw new Error('the big file was not written');
    return kb / 1024;
  } finally {
    s.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

const loadBefore = loadavg()[0]!;
const all: Row[] = [];
for (const latency of values.latencies!.split(',').map(Number)) all.push(...(await benchLatency(latency)));
const rss = await peakRss(Number(values['rss-mib']));

const mibps = (row: Row) => row.bytes / 1024 / 1024 / (median(row.ms) / 1000);
const lines = [
  `| file latency | tool | median wall (ms) | MiB/s | vs curl --parallel | vs one at a time |`,
  `|---|---|---|---|---|---|`,
];
for (const latency of new Set(all.map((r) => r.latency))) {
  const rows = all.filter((r) => r.latency === latency);
  const par = rows[1]!;
  const seq = rows[2]!;
  for (const row of rows) {
    lines.push(
      `| ${latency} ms | ${row.tool} | ${Math.round(median(row.ms))} | ${mibps(row).toFixed(1)} | ${(mibps(row) / mibps(par)).toFixed(2)}x | ${(mibps(row) / mibps(seq)).toFixed(2)}x |`,
    );
  }
}
process.stdout.write(
  `Node ${execFileSync(NODE, ['-v'], { encoding: 'utf8' }).trim()}, ${files} files × ${fileBytes} bytes, median of ${rounds} interleaved rounds, output in ${values.dir}; ` +
    `${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before / ${loadavg()[0]!.toFixed(1)} after\n\n${lines.join('\n')}\n\n`,
);
process.stdout.write(`peak RSS, one ${values['rss-mib']} MiB file: ${rss.toFixed(0)} MiB\n`);
