import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startStandin, type Standin } from './standin/server.js';
import { runCli, BIN, REPO_ROOT } from './helpers/run-cli.js';

/** util-linux `script` gives the CLI a real terminal, so the hidden prompt can be tested without native modules. */
const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;

const TOKEN = '0123456789abcdef0123456789abcdef01234567';
const BAD = 'ffffffffffffffffffffffffffffffffffffffff';

describe('auth login/status/logout against the stand-in', () => {
  let nv: Standin;
  let home: string;
  let configFile: string;
  const cli = (args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}) =>
    runCli(['--base-url', nv.url, ...args], { env: { XDG_CONFIG_HOME: join(home, 'cfg'), ...opts.env }, input: opts.input });
  const noSecret = (r: { stdout: string; stderr: string }, secret = TOKEN) =>
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `secret leaked:\n${r.stdout}\n${r.stderr}`);

  before(async () => {
    nv = await startStandin({ collections: 2 });
  });
  after(async () => {
    await nv.close();
  });
  beforeEach(async () => {
    if (home) await rm(home, { recursive: true, force: true });
    home = await mkdtemp(join(tmpdir(), 'nv-auth-'));
    configFile = join(home, 'cfg', 'neurovault-cli', 'config.json');
    nv.requests.length = 0;
  });

  test('login --with-token checks the token, saves it 0600 in a 0700 directory, and never prints it (even -v)', async () => {
    const r = await cli(['-v', 'auth', 'login', '--with-token'], { input: `${TOKEN}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Logged in to http:\/\/127\.0\.0\.1:\d+ as delavega4 \(id 1599\)/);
    noSecret(r);
    assert.equal((await stat(configFile)).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, 'cfg', 'neurovault-cli'))).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(await readFile(configFile, 'utf8')), { token: TOKEN, baseUrl: nv.url });
    const user = nv.requests.find((q) => q.path === '/api/user/');
    assert.equal(user?.headers.authorization, `Token ${TOKEN}`);
  });

  test('status reports who you are and where the token came from, never the token', async () => {
    await cli(['auth', 'login', '--with-token'], { input: TOKEN });
    const saved = await cli(['-v', 'auth', 'status']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, `Logged in to ${nv.url} as delavega4 (id 1599) — token from ${configFile}\n`);
    noSecret(saved);

    const env = await cli(['auth', 'status'], { env: { NEUROVAULT_TOKEN: TOKEN } });
    assert.match(env.stdout, /— token from NEUROVAULT_TOKEN\n$/);

    const file = join(home, 'token.txt');
    await writeFile(file, `${TOKEN}\n`);
    const fromFile = await cli(['--token-file', file, 'auth', 'status', '-o', 'json']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(JSON.parse(fromFile.stdout), { baseUrl: nv.url, id: 1599, username: 'delavega4', tokenSource: 'token-file' });
    noSecret(fromFile);
  });

  test('precedence: NEUROVAULT_TOKEN > --token-file > saved login', async () => {
    await cli(['auth', 'login', '--with-token'], { input: TOKEN });
    const file = join(home, 'bad.txt');
    await writeFile(file, BAD);
    // the bad file beats the good saved login…
    const r1 = await cli(['--token-file', file, 'auth', 'status']);
    assert.equal(r1.code, 3, r1.stderr);
    assert.match(r1.stderr, /token from --token-file .*bad\.txt is not valid/);
    // …and the good env token beats the bad file
    const r2 = await cli(['--token-file', file, 'auth', 'status'], { env: { NEUROVAULT_TOKEN: TOKEN } });
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /token from NEUROVAULT_TOKEN/);
  });

  test('a rejected token → exit 3 and nothing saved', async () => {
    const r = await cli(['auth', 'login', '--with-token'], { input: BAD });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /rejected the token \(Invalid token\.\); nothing was saved/);
    noSecret(r, BAD);
    await assert.rejects(stat(configFile), { code: 'ENOENT' });
  });

  test('login off a terminal without --with-token → exit 2 with a hint, nothing sent, no prompt', async () => {
    const r = await cli(['auth', 'login'], { input: TOKEN });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /hint: .*--with-token/);
    assert.equal(nv.requests.length, 0);
    assert.ok(!r.stderr.includes('Token:'));
  });

  test('login on a terminal prompts without echo and saves the token', { skip: !HAVE_SCRIPT && 'needs util-linux script' }, async () => {
    const command = [process.execPath, BIN, '--base-url', nv.url, 'auth', 'login'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), TERM: 'dumb' },
    });
    let screen = '';
    const sawPrompt = new Promise<void>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        screen += b.toString('utf8');
        if (screen.includes('Token: ')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    // typed only once the prompt is up, i.e. after echo was switched off
    await sawPrompt;
    child.stdin.write(`${TOKEN}\r`);
    const code = await exited;
    child.stdin.end();
    clearTimeout(timer);
    assert.equal(code, 0, screen);
    assert.match(screen, /Logged in to .* as delavega4/);
    assert.ok(!screen.includes(TOKEN), `the typed token was echoed:\n${screen}`);
    assert.equal(JSON.parse(await readFile(configFile, 'utf8')).token, TOKEN);
  });

  test('Ctrl-C while login --with-token waits on an idle stdin exits 130 at once, nothing sent or saved', async () => {
    let sentAt = 0;
    const r = await runCli(['--base-url', nv.url, 'auth', 'login', '--with-token'], {
      env: { XDG_CONFIG_HOME: join(home, 'cfg') },
      keepStdinOpen: true,
      timeoutMs: 20_000,
      onSpawn: (child) =>
        setTimeout(() => {
          sentAt = Date.now();
          child.kill('SIGINT');
        }, 1500),
    });
    const took = Date.now() - sentAt;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(took < 3000, `exited ${took} ms after SIGINT`);
    assert.equal(nv.requests.length, 0);
    await assert.rejects(stat(configFile));
  });

  test('login rejects empty input and pasted "Token <key>" before any request', async () => {
    for (const input of ['', '\n', `Token ${TOKEN}`]) {
      const r = await cli(['auth', 'login', '--with-token'], { input });
      assert.equal(r.code, 2, r.stderr);
    }
    assert.equal(nv.requests.length, 0);
  });

  test('status with no token → exit 3 with a hint how to set one', async () => {
    const r = await cli(['auth', 'status']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /not logged in to /);
    assert.match(r.stderr, /hint: set NEUROVAULT_TOKEN, pass --token-file <path>, or run "neurovault auth login"/);
    assert.equal(nv.requests.length, 0);
  });

  test('status with a bad token → exit 3', async () => {
    const r = await cli(['-v', 'auth', 'status'], { env: { NEUROVAULT_TOKEN: BAD } });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /token from NEUROVAULT_TOKEN is not valid/);
    noSecret(r, BAD);
  });

  test('--auth-scheme bearer sends "Bearer <key>", which the server ignores; the hint says so', async () => {
    const r = await cli(['--auth-scheme', 'bearer', 'auth', 'status'], { env: { NEUROVAULT_TOKEN: TOKEN } });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /drop --auth-scheme bearer/);
    assert.equal(nv.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
  });

  test('a saved login is only used for its own server', async () => {
    await cli(['auth', 'login', '--with-token'], { input: TOKEN });
    const other = await runCli(['--base-url', 'http://127.0.0.1:9', 'auth', 'status'], { env: { XDG_CONFIG_HOME: join(home, 'cfg') } });
    assert.equal(other.code, 3, other.stderr);
    assert.match(other.stderr, new RegExp(`the saved login is for ${nv.url.replace(/\./g, '\\.')}`));
  });

  test('logout removes the saved token; status then exits 3', async () => {
    await cli(['auth', 'login', '--with-token'], { input: TOKEN });
    const out = await cli(['auth', 'logout']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /removed the saved token/);
    await assert.rejects(stat(configFile), { code: 'ENOENT' });
    const again = await cli(['auth', 'logout']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing to do/);
    const status = await cli(['auth', 'status']);
    assert.equal(status.code, 3, status.stderr);
  });

  test('help for auth and its subcommands', async () => {
    for (const args of [['auth', '--help'], ['auth', 'login', '--help'], ['auth', 'status', '--help'], ['auth', 'logout', '--help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Examples:/);
    }
  });
});
