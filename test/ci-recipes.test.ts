// The CI recipes of docs/ci.md, run as written against the stand-in: the commands are read out of the
// page, so the page and this test cannot drift. A recipe passes when its first run (cold cache) installs
// the lock and a second run over the restored folder sends no request at all, even with the API down.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, type Standin } from './standin/server.js';
import { BIN, REPO_ROOT, isolatedEnv } from './helpers/run-cli.js';

const DOC = readFileSync(join(REPO_ROOT, 'docs/ci.md'), 'utf8');

/** The fenced code blocks of the `## <heading>` section. */
function blocks(heading: string): string[] {
  const section = DOC.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  assert.ok(section, `docs/ci.md has a "## ${heading}" section`);
  return [...section.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/**
 * The `neurovault` command lines of a section, in order: a shell line, a YAML `run:` step or `script:`
 * item, or the command inside `--wrap='…'`, each maybe behind `VAR=value` assignments.
 */
function commands(heading: string): string[] {
  const found: string[] = [];
  for (const line of blocks(heading).join('\n').split('\n')) {
    const wrapped = /--wrap='([^']*)'/.exec(line)?.[1];
    const bare = (wrapped ?? line).trim().replace(/^- /, '').replace(/^run: /, '');
    if (/^([A-Z_]+=\S+\s+)*neurovault\s/.test(bare)) found.push(bare);
  }
  assert.ok(found.length > 0, `"## ${heading}" runs neurovault`);
  return found;
}

interface Run {
  code: number | null;
  stderr: string;
}

function sh(command: string, cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr: Buffer.concat(err).toString('utf8') }));
  });
}

describe('docs/ci.md recipes against the stand-in', () => {
  let nv: Standin;
  let work: string;
  let lock: string;
  let env: Record<string, string>;

  /** Runs the lines in order in `cwd`; each must exit 0. Returns the requests and connections they made. */
  const runAll = async (lines: string[], cwd: string, extra: Record<string, string> = {}) => {
    const start = nv.requests.length;
    const connections = nv.connections;
    for (const line of lines) {
      const r = await sh(line, cwd, { ...env, ...extra });
      assert.equal(r.code, 0, `${line}\n${r.stderr}`);
    }
    return { requests: nv.requests.slice(start), connections: nv.connections - connections };
  };

  /** A fresh checkout: the repository's nv.lock, no data. */
  const checkout = (name: string) => {
    const dir = join(work, name);
    mkdirSync(dir);
    copyFileSync(lock, join(dir, 'nv.lock'));
    return dir;
  };

  before(async () => {
    nv = await startStandin({ collections: 1 });
    work = await mkdtemp(join(tmpdir(), 'nv-recipes-'));
    const bin = join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'neurovault'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'neurovault'), 0o755);
    env = isolatedEnv({ PATH: `${bin}:${process.env.PATH}`, NEUROVAULT_URL: nv.url });
    const dev = join(work, 'dev');
    mkdirSync(dev);
    // "git add" is not a neurovault line: only the download runs.
    await runAll(commands('Write the lock'), dev);
    lock = join(dev, 'nv.lock');
    assert.equal(JSON.parse(readFileSync(lock, 'utf8')).lockfileVersion, 2);
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  const locked = () => JSON.parse(readFileSync(lock, 'utf8')).images.length as number;

  for (const heading of ['GitHub Actions', 'GitLab CI']) {
    test(`${heading}: a cold cache installs the lock; a restored one sends nothing, even with the API down`, async () => {
      const text = blocks(heading).join('\n');
      assert.match(text, /neurovault download --lock nv\.lock --frozen .*--quiet/);
      if (heading === 'GitHub Actions') {
        assert.match(text, /uses: actions\/cache@v\d/);
        assert.match(text, /key: .*hashFiles\('nv\.lock'\)/);
      } else {
        assert.match(text, /key:\n\s+files:\n\s+- nv\.lock/);
      }
      const repo = checkout(heading.replace(/\W/g, ''));
      const cold = await runAll(commands(heading), repo);
      assert.equal(cold.requests.filter((r) => r.path.startsWith('/media/')).length, locked(), 'every file fetched once');
      nv.faults.apiDown = true;
      try {
        const warm = await runAll(commands(heading), repo);
        assert.equal(warm.requests.length, 0, 'a restored cache sends no request');
        assert.equal(warm.connections, 0, 'and opens no connection');
      } finally {
        nv.faults.apiDown = false;
      }
    });
  }

  test('SLURM array: the tasks install their shards into one folder at once; the dependent check passes offline', async () => {
    const [script] = blocks('SLURM array');
    const count = Number(/^#SBATCH --array=0-(\d+)$/m.exec(script!)?.[1]) + 1;
    assert.ok(count > 1, 'an array of several tasks');
    const lines = commands('SLURM array');
    const perTask = lines.filter((l) => l.includes('--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"'));
    const after = lines.filter((l) => !perTask.includes(l));
    assert.equal(perTask.length, 1);
    assert.ok(after.some((l) => /NEUROVAULT_OFFLINE=1 neurovault verify/.test(l)));
    const repo = checkout('slurm');
    const scratch = join(work, 'scratch');
    mkdirSync(scratch);
    const array = () =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          runAll(perTask, repo, { SCRATCH: scratch, SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(count) }),
        ),
      );
    const start = nv.requests.length;
    await array();
    assert.equal(nv.requests.slice(start).filter((r) => r.path.startsWith('/media/')).length, locked(), 'the shards add up to the lock, once each');
    const check = await runAll(after, repo, { SCRATCH: scratch });
    assert.equal(check.connections, 0);
    const again = nv.requests.length;
    await array();
    assert.equal(nv.requests.length, again, 'a second run of the array sends nothing');
  });
});
