// Catalogue sync against a nilearn-style walk, over one stand-in with the same population and the same
// added latency per API request, through a byte-counting proxy (bytes received = what crossed the wire,
// headers included). Also measures the uncompressed JSON of the same lists (pages of 1000, identity).
//   node bench/catalog-sync.mjs [--collections 2000] [--images 30000] [--latency 50] [--runs 3] [--walk-runs 1]
// Needs `npm run build` first. Prints a Markdown table; the machine is shared, so compare within a run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';

const { values } = parseArgs({
  options: {
    collections: { type: 'string', default: '2000' },
    images: { type: 'string', default: '30000' },
    latency: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    'walk-runs': { type: 'string', default: '1' },
  },
});

const root = new URL('..', import.meta.url).pathname;

async function startStandin() {
  const child = spawn(process.execPath, [
    join(root, 'dist/test/standin/cli.js'), '--collections', '0',
    '--population-collections', values.collections, '--population-images', values.images,
    '--api-latency', values.latency,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { child, url: JSON.parse(String(line)).url };
}

/** A TCP proxy that counts bytes from the server to the client. */
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  const counter = { down: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    upstream.on('data', (b) => { counter.down += b.length; });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, counter, close: () => server.close() };
}

async function getJson(url, gzip) {
  const res = await request(url, { headers: { accept: 'application/json', 'accept-encoding': gzip ? 'gzip' : 'identity' } });
  const body = Buffer.from(await res.body.arrayBuffer());
  return JSON.parse((res.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8'));
}

/**
 * nilearn's fetch_neurovault walk: collections 100 at a time following `next`, then each collection's
 * images 100 at a time, one request at a time. It accepts gzip like `requests` does.
 */
async function walk(base) {
  let collections = 0;
  let images = 0;
  for (let next = `${base}/api/collections/?limit=100`; next;) {
    const page = await getJson(next, true);
    for (const c of page.results) {
      collections++;
      for (let inext = `${base}/api/collections/${c.id}/images/?limit=100`; inext;) {
        const ipage = await getJson(inext, true);
        images += ipage.results.length;
        inext = ipage.next;
      }
    }
    next = page.next;
  }
  return { collections, images };
}

async function uncompressedBytes(base, proxy) {
  const before = proxy.counter.down;
  for (const kind of ['collections', 'images']) {
    const first = await getJson(`${base}/api/${kind}/?limit=1000`, false);
    for (let off = 1000; off < first.count; off += 1000) await getJson(`${base}/api/${kind}/?limit=1000&offset=${off}`, false);
  }
  return proxy.counter.down - before;
}

function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/neurovault.cjs'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => { err += b; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

async function timed(fn, proxy) {
  const bytes0 = proxy.counter.down;
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, bytes: proxy.counter.down - bytes0, out };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b) => `${(b / 1048576).toFixed(1)} MiB`;

const standin = await startStandin();
const proxy = await startProxy(standin.url);
const cache = mkdtempSync(join(tmpdir(), 'nv-bench-catalog-'));
try {
  // build the lazily generated images before anything is timed
  await getJson(`${standin.url}/api/images/?limit=1`, true);
  const raw = await uncompressedBytes(proxy.url, proxy);

  const syncs = [];
  const walks = [];
  const rounds = Math.max(Number(values.runs), Number(values['walk-runs']));
  for (let i = 0; i < rounds; i++) {
    if (i < Number(values.runs)) {
      rmSync(join(cache, 'neurovault-cli'), { recursive: true, force: true });
      syncs.push(await timed(() => runCli(['--base-url', proxy.url, 'catalog', 'sync', '-q'], { XDG_CACHE_HOME: cache }), proxy));
    }
    if (i < Number(values['walk-runs'])) walks.push(await timed(() => walk(proxy.url), proxy));
  }
  const sync = median(syncs.map((s) => s.ms));
  const walkMs = median(walks.map((w) => w.ms));
  const syncBytes = median(syncs.map((s) => s.bytes));
  const walkBytes = median(walks.map((w) => w.bytes));
  const w = walks[0].out;
  console.log(`### Catalogue sync: ${w.collections} collections / ${w.images} images, ${values.latency} ms per API request`);
  console.log();
  console.log('| client | wall (median) | speed-up | bytes received | of the uncompressed JSON |');
  console.log('|---|---|---|---|---|');
  console.log(`| nilearn-style walk (baseline, ${walks.length} run) | ${(walkMs / 1000).toFixed(1)} s | 1.0x | ${mib(walkBytes)} | ${(walkBytes / raw).toFixed(2)} |`);
  console.log(`| \`neurovault catalog sync\` (${syncs.length} runs) | ${(sync / 1000).toFixed(2)} s | **${(walkMs / sync).toFixed(1)}x** | ${mib(syncBytes)} | **${(syncBytes / raw).toFixed(3)}** |`);
  console.log();
  console.log(`Uncompressed JSON of the same lists (pages of 1000): ${mib(raw)}. Sync runs: ${syncs.map((s) => (s.ms / 1000).toFixed(2)).join(', ')} s.`);
} finally {
  proxy.close();
  standin.child.kill('SIGTERM');
  rmSync(cache, { recursive: true, force: true });
}
