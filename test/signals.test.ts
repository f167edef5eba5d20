// Ctrl-C and SIGTERM end the run in every phase, the ones before the first request included: each test
// stalls one phase (a server that never answers, a FIFO nobody writes, a lock another process holds),
// sends the signal once the CLI is known to be in that phase, and asserts the exit status a shell sees
// (130/143: an exit code, or, where a wait on the thread pool could not be cut short, death by that same
// signal). The child's 15 s kill is only a guard that turns a hang into a failure, not a speed target.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { constants as os, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHostile, type HostileServer } from './hostile/server.js';
import { collectionRow, sendJson } from './hostile/neurovault.js';
import { startStandin, type Standin } from './standin/server.js';
import { runCli, type CliResult } from './helpers/run-cli.js';

const GUARD_MS = 15_000;
const SIGNALS = [['SIGINT', 130], ['SIGTERM', 143]] as const;

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nv-signals-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI and sends `signal` once `ready()` resolves (the phase is reached). */
async function interrupted(args: string[], signal: NodeJS.Signals, ready: () => Promise<unknown>, env: Record<string, string> = {}): Promise<CliResult> {
  let child: ChildProcess | undefined;
  const run = runCli(args, { env, timeoutMs: GUARD_MS, onSpawn: (c) => (child = c) });
  let done = false;
  void run.then(() => (done = true));
  await Promise.race([ready(), run]);
  if (!done) child!.kill(signal);
  return run;
}

/** `$?` in a shell: the exit code, or 128 + the number of the signal that ended the process. */
function status(r: CliResult): number | undefined {
  return r.code ?? (r.signal && r.signal !== 'SIGKILL' ? 128 + os.signals[r.signal] : undefined);
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1500 && !(await check()); i++) await sleep(10);
}

/** A server that records every request and answers none of them (until closed). */
async function stalling(answer?: (path: string) => unknown): Promise<HostileServer> {
  return startHostile((req, res) => {
    const body = answer?.(req.url ?? '');
    if (body !== undefined) sendJson(res, body);
  });
}

describe('a signal before the first request', () => {
  for (const [signal, code] of SIGNALS) {
    test(`${signal} while the token file (a FIFO nobody writes) is read: exit ${code}`, async () => {
      const fifo = join(tmp, `token-${signal}`);
      execFileSync('mkfifo', [fifo]);
      const srv = await stalling();
      let writer: FileHandle | undefined;
      try {
        // Opening the write end without blocking succeeds only once the CLI has the read end open.
        const r = await interrupted(['--base-url', srv.url, '--token-file', fifo, 'collections', 'get', '1'], signal, () =>
          until(async () => {
            writer = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
            return writer !== undefined;
          }),
        );
        assert.equal(status(r), code, `${r.signal ?? ''} ${r.stderr}`);
        assert.equal(srv.requests.length, 0);
      } finally {
        await writer?.close();
        await srv.close();
      }
    });
  }

  test('a catalogue that is a FIFO is refused at once, not opened (that would block the main thread)', async () => {
    const cache = join(tmp, 'cache');
    await mkdir(join(cache, 'neurovault-cli'), { recursive: true });
    const srv = await stalling();
    try {
      const path = (await runCli(['--base-url', srv.url, 'catalog', 'path'], { env: { XDG_CACHE_HOME: cache } })).stdout.trim();
      assert.ok(path.endsWith('.sqlite'), path);
      execFileSync('mkfifo', [path]);
      const r = await runCli(['--base-url', srv.url, 'search', 'memory'], { env: { XDG_CACHE_HOME: cache }, timeoutMs: GUARD_MS });
      assert.equal(r.code, 1, `${r.signal ?? ''} ${r.stderr}`);
      assert.match(r.stderr, /not a regular file/);
    } finally {
      await srv.close();
    }
  });
});

describe('a signal while the server stalls', () => {
  for (const [signal, code] of SIGNALS) {
    test(`${signal} during a DOI lookup: exit ${code}`, async () => {
      const srv = await stalling();
      try {
        const r = await interrupted(['--base-url', srv.url, 'download', '10.1234/stalled.doi', '--dry-run'], signal, () => until(() => srv.requests.length > 0));
        assert.equal(status(r), code, `${r.signal ?? ''} ${r.stderr}`);
      } finally {
        await srv.close();
      }
    });

    test(`${signal} while the download is planned (the image list stalls): exit ${code}`, async () => {
      const srv = await stalling((path) => (/^\/api\/collections\/7\/(\?|$)/.test(path) ? collectionRow(7) : undefined));
      try {
        const r = await interrupted(['--base-url', srv.url, 'download', '7', '--out', join(tmp, `plan-${signal}`)], signal, () =>
          until(() => srv.requests.some((q) => q.path.includes('/images'))),
        );
        assert.equal(status(r), code, `${r.signal ?? ''} ${r.stderr}`);
      } finally {
        await srv.close();
      }
    });

    test(`${signal} while the catalogue is synced (the server stalls): exit ${code}`, async () => {
      const srv = await stalling();
      try {
        const r = await interrupted(['--base-url', srv.url, 'catalog', 'sync'], signal, () => until(() => srv.requests.length > 0), {
          XDG_CACHE_HOME: join(tmp, `sync-${signal}`),
        });
        assert.equal(status(r), code, `${r.signal ?? ''} ${r.stderr}`);
      } finally {
        await srv.close();
      }
    });
  }
});

describe('a signal while another process holds the manifest lock', () => {
  let nv: Standin;
  before(async () => {
    nv = await startStandin({ collections: 3 });
  });
  after(async () => {
    await nv.close();
  });

  for (const [signal, code] of SIGNALS) {
    test(`${signal} while the manifest's lock is waited for: exit ${code}, the files kept`, async () => {
      const out = join(tmp, `lock-${signal}`);
      await mkdir(out, { recursive: true });
      // This test process is alive on this host, so the lock is not stale for 30 s.
      await writeFile(join(out, 'manifest.jsonl.lock'), `${hostname()}:${process.pid}`);
      const dir = join(out, `collection_${nv.sixtyCollectionId}`);
      const r = await interrupted(
        ['--base-url', nv.url, 'download', String(nv.sixtyCollectionId), '--max-images', '2', '--out', out],
        signal,
        // Both files in place: what is left is the manifest, behind the lock.
        () => until(async () => existsSync(dir) && (await readdir(dir)).filter((f) => f.endsWith('.nii.gz')).length === 2),
      );
      assert.equal(status(r), code, `${r.signal ?? ''} ${r.stderr}`);
      assert.equal((await readdir(dir)).filter((f) => f.endsWith('.nii.gz')).length, 2);
    });
  }
});
