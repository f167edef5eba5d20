import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isTransfer } from '../src/runtime/restart.js';
import { runCli } from './helpers/run-cli.js';

const FLAGS = ['--liftoff-only', '--max-semi-space-size=1', '--no-maglev'];
const MAJOR = Number(process.versions.node.split('.')[0]);
const RESTARTS = MAJOR === 24 && typeof (process as { execve?: unknown }).execve === 'function';

describe('transfer commands re-start with start-up V8 flags on Node 24 (src/runtime/restart.ts)', () => {
  test('which command lines count as transfers', () => {
    const yes = [
      ['download', '10.1016/j.neurobiolaging.2012.11.002', '--out', 'd'],
      ['s3', 'cp', 'a', 's3://b/k'],
      ['--profile', 'ci', '--endpoint-url', 'http://127.0.0.1:9', 's3', 'cp', '-', 's3://b/k'],
      ['images', 'upload', 'map.nii.gz', '--collection', '1'],
      ['catalog', 'sync'],
    ];
    const no = [
      ['s3', 'ls', 's3://b'],
      ['s3', 'mb', 's3://cp'],
      ['collections', 'list', '--doi', '10.1/x'],
      ['download', '--help'],
      ['s3', 'cp', '-h'],
      ['help', 'download'],
      ['view', '396069'],
      ['--', 'download'],
      [],
    ];
    for (const argv of yes) assert.equal(isTransfer(argv), true, argv.join(' '));
    for (const argv of no) assert.equal(isTransfer(argv), false, argv.join(' '));
  });

  test(
    `a running s3 cp ${RESTARTS ? 'has' : 'does not have'} the flags on its command line, in the same process; Ctrl-C on its idle stdin exits 130 at once`,
    { skip: existsSync('/proc/self/cmdline') ? false : 'needs /proc' },
    async () => {
      // A port nothing listens on: the copy waits on stdin (held open) first, so the process stays up.
      const port = await new Promise<number>((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
          const { port } = srv.address() as { port: number };
          srv.close(() => resolve(port));
        });
      });
      let seen: string[] = [];
      let interruptedAt = 0;
      const r = await runCli(['s3', 'cp', '-', 's3://bkt/key', '--endpoint-url', `http://127.0.0.1:${port}`, '--retries', '0'], {
        env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-for-test' },
        keepStdinOpen: true,
        timeoutMs: 20_000,
        onSpawn: (child) => {
          const started = Date.now();
          const poll = () => {
            try {
              seen = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
            } catch {
              seen = [];
            }
            const restarted = FLAGS.every((f) => seen.includes(f));
            if ((RESTARTS && !restarted && Date.now() - started < 10_000) || interruptedAt) {
              setTimeout(poll, 20);
              return;
            }
            // Under way (re-started, where that happens), and waiting on its idle stdin: now Ctrl-C.
            setTimeout(() => {
              interruptedAt = Date.now();
              child.kill('SIGINT');
            }, 1500);
            interruptedAt = -1;
          };
          poll();
        },
      });
      const tookMs = Date.now() - interruptedAt;
      if (RESTARTS) {
        assert.deepEqual(FLAGS.filter((f) => seen.includes(f)), FLAGS, `command line: ${seen.join(' ')}`);
        // The user's own arguments follow, unchanged.
        assert.deepEqual(seen.slice(seen.indexOf('s3')), ['s3', 'cp', '-', 's3://bkt/key', '--endpoint-url', `http://127.0.0.1:${port}`, '--retries', '0', '']);
      } else {
        assert.equal(seen.some((a) => FLAGS.includes(a)), false, `command line: ${seen.join(' ')}`);
      }
      assert.equal(r.code, 130, r.stderr);
      assert.ok(tookMs < 3000, `exited ${tookMs} ms after SIGINT`);
      assert.doesNotMatch(r.stderr, /secret-for-test/);
    },
  );
});
