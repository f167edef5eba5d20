// A reference point for bench/download-bench.ts, not part of the CLI: the least any client built on
// undici can do for the same files. It knows the URLs (no listing), runs 6 requests at a time on one
// keep-alive Agent through `dispatch` (no stream objects), and with `write` stores each body in one
// write, with `hash` also computes its sha256. No checks, no metadata, no manifest, no retries.
//   node dist/bench/undici-floor.bundle.js <recv|write|hash> <urls file> [out dir]
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writevSync } from 'node:fs';
import { basename, join } from 'node:path';
import Agent from 'undici/lib/dispatcher/agent.js';

const [mode, urlsFile, out] = process.argv.slice(2);
if (!mode || !urlsFile || (mode !== 'recv' && !out)) throw new Error('usage: undici-floor <recv|write|hash> <urls file> [out dir]');
const urls = readFileSync(urlsFile, 'utf8').trim().split('\n');
if (out) mkdirSync(out, { recursive: true });
const agent = new Agent({ connections: 32 });

function fetchOne(i: number): Promise<void> {
  const url = new URL(urls[i]!);
  const chunks: Buffer[] = [];
  const hash = mode === 'hash' ? createHash('sha256') : undefined;
  return new Promise((resolve, reject) => {
    agent.dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: 'GET', headers: { 'accept-encoding': 'identity' } },
      {
        onConnect() {},
        onHeaders: (status) => {
          if (status !== 200) reject(new Error(`${url.href}: HTTP ${status}`));
          return true;
        },
        onData: (chunk: Buffer) => {
          if (mode !== 'recv') chunks.push(chunk);
          hash?.update(chunk);
          return true;
        },
        onComplete: () => {
          if (mode !== 'recv') {
            // The URL's last segment, as `curl --remote-name-all` names them.
            const fd = openSync(join(out!, basename(url.pathname)), 'w');
            writevSync(fd, chunks);
            closeSync(fd);
          }
          hash?.digest('hex');
          resolve();
        },
        onError: reject,
      },
    );
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: 6 }, async () => {
    while (next < urls.length) await fetchOne(next++);
  }),
);
await agent.close();
