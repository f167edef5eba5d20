// One voice for errors (issue 15): parse errors, ranges, variables, file-system errors and output paths,
// each against the real CLI and the stand-in.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, type Standin } from './standin/server.js';
import { runCli, type CliResult } from './helpers/run-cli.js';
import { describeFsError, FileSystemError } from '../src/util/fs-error.js';
import { makeDirs } from '../src/util/make-dirs.js';

const isRoot = process.getuid?.() === 0;

/** Nothing of commander's own voice, no stack, no "internal error". */
function assertOurVoice(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /error: |\(Did you mean|Expected \d+ argument|internal error|\n\s+at /, r.stderr);
  assert.match(r.stderr, /^neurovault: /);
}

describe('parse errors in our voice', () => {
  const cases: [string[], string, string][] = [
    [['collections', 'list', '--limt', '3'], "neurovault: unknown option '--limt' (did you mean --limit?)", "Try 'neurovault collections list --help'"],
    [['collections', 'list', '--bogus'], "neurovault: unknown option '--bogus'", "Try 'neurovault collections list --help'"],
    [['colections', 'list'], "neurovault: unknown command 'colections' (did you mean collections?)", "Try 'neurovault --help'"],
    [['collections', 'lst'], "neurovault: unknown command 'lst' (did you mean list?)", "Try 'neurovault collections --help'"],
    [['view', 'map.nii.gz', 'dims,peak'], "neurovault: view: unexpected argument 'dims,peak'", "Try 'neurovault view --help'"],
    [['collections', 'get', '1', '2', '3'], "neurovault: collections get: unexpected arguments '2' '3'", "Try 'neurovault collections get --help'"],
    [['collections', 'get'], "neurovault: collections get: missing required argument 'ref'", "Try 'neurovault collections get --help'"],
    [['completion', 'tcsh'], "neurovault: completion: invalid shell 'tcsh': use bash, zsh or fish", "Try 'neurovault completion --help'"],
  ];
  for (const [args, first, second] of cases) {
    test(args.join(' '), async () => {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr, `${first}\n${second}\n`);
      assertOurVoice(r);
    });
  }
});

describe('values as people say them', () => {
  test('range errors never print 9007199254740991', async () => {
    for (const args of [
      ['collections', 'list', '--limit', '0'],
      ['download', '1', '--max-images', '0', '--dry-run'],
      ['collections', 'list', '--limit', '99999999999999999999'],
    ]) {
      const r = await runCli(['--base-url', 'http://127.0.0.1:9', ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.doesNotMatch(r.stderr, /9007199254740991/);
      assertOurVoice(r);
    }
    const r = await runCli(['collections', 'list', '--limit', '0']);
    assert.equal(r.stderr, 'neurovault: invalid --limit "0": a whole number of at least 1\n');
  });

  test('a bad variable is named as the variable, a bad flag as the flag', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], { NEUROVAULT_URL: 'not a url' }, /^neurovault: invalid NEUROVAULT_URL "not a url": not a URL$/m],
      [['--base-url', 'ftp://x'], { NEUROVAULT_URL: 'http://127.0.0.1:9' }, /^neurovault: invalid --base-url "ftp:\/\/x": use http/m],
      [[], { NEUROVAULT_TIMEOUT: 'soon' }, /^neurovault: invalid NEUROVAULT_TIMEOUT "soon"/m],
      [['--timeout', 'soon'], {}, /^neurovault: invalid --timeout "soon"/m],
      [[], { NEUROVAULT_AUTH_SCHEME: 'basic' }, /^neurovault: invalid NEUROVAULT_AUTH_SCHEME "basic"/m],
      [['--auth-scheme', 'basic'], {}, /^neurovault: invalid --auth-scheme "basic"/m],
    ];
    for (const [flags, env, want] of cases) {
      const r = await runCli([...flags, 'collections', 'list'], { env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, want);
    }
  });
});

describe('file-system errors name the path and the reason', () => {
  let nv: Standin;
  let tmp: string;
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(['--base-url', nv.url, ...args], { env, timeoutMs: 20_000 });

  before(async () => {
    nv = await startStandin({ collections: 3 });
    tmp = await mkdtemp(join(tmpdir(), 'nv-fs-'));
    await writeFile(join(tmp, 'a-file'), 'x');
  });
  after(async () => {
    await nv.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('download --out /proc/x: exit 2 before any request (it used to spin at 100 % CPU for ever)', async () => {
    const before = nv.requests.length;
    const r = await cli(['download', String(nv.sixtyCollectionId), '--out', '/proc/x']);
    assert.equal(r.code, 2, `${r.signal ?? ''} ${r.stderr}`);
    assert.match(r.stderr, /^neurovault: cannot create \/proc\/x \(--out\): \/proc does not take new files$/m);
    assert.equal(nv.requests.length, before, 'no request');
    assertOurVoice(r);
  });

  test('every output path is checked up front (exit 2, no request)', async () => {
    const file = join(tmp, 'a-file');
    const cases: [string[], RegExp][] = [
      [['download', '1', '--out', file], new RegExp(`cannot write to ${file} \\(--out\\): not a folder`)],
      [['download', '1', '--out', join(file, 'sub')], /\(--out\): a part of the path is not a folder/],
      [['download', '1', '--out', join(tmp, 'o'), '--lock', '/missing/dir/l.json'], /cannot write \/missing\/dir\/l\.json \(--lock\): the folder \/missing\/dir does not exist/],
      [['view', '1', '--png', '/missing/dir/x.png'], /cannot write \/missing\/dir\/x\.png \(--png\): the folder \/missing\/dir does not exist/],
      [['view', '1', '--png', tmp], new RegExp(`cannot write ${tmp} \\(--png\\): is a folder`)],
      [['view', '1', '--png', '/dev/null'], /cannot write \/dev\/null \(--png\): not a regular file/],
      // sysfs refuses a new entry even to root (EACCES, EPERM, or EROFS where /sys is mounted read-only).
      [['download', '1', '--out', '/sys/nv'], /cannot create \/sys\/nv \(--out\): (permission denied|operation not permitted|read-only file system|\/sys does not take new files)$/m],
      [['--endpoint-url', 'http://127.0.0.1:9', 's3', 'cp', 's3://bucket/key.nii.gz', '/proc/x/y.nii.gz'], /cannot create \/proc\/x\/y\.nii\.gz \(destination\): \/proc does not take new files/],
      [['--endpoint-url', 'http://127.0.0.1:9', 's3', 'cp', '--recursive', 's3://bucket/', file], /cannot write to .* \(destination\): not a folder/],
    ];
    const before = nv.requests.length;
    for (const [args, want] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want, args.join(' '));
      assertOurVoice(r);
    }
    const sync = await cli(['catalog', 'sync'], { XDG_CACHE_HOME: file });
    assert.equal(sync.code, 2, sync.stderr);
    assert.match(sync.stderr, /\(the catalogue\): .*not a folder/);
    assert.equal(nv.requests.length, before, 'no request');
    assert.equal(await stat(join(tmp, 'o')).catch(() => undefined), undefined, 'the check creates nothing');
  });

  test('in a run: a file where a collection folder goes, a folder named manifest.jsonl (exit 1, never "internal error")', async () => {
    const id = nv.sixtyCollectionId;
    const blocked = join(tmp, 'blocked');
    await mkdir(blocked);
    await writeFile(join(blocked, `collection_${id}`), 'in the way');
    let r = await cli(['download', String(id), '--max-images', '1', '--out', blocked]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^neurovault: cannot create the folder ${blocked}/collection_${id}: a file is in the way$`, 'm'));
    assertOurVoice(r);

    const odd = join(tmp, 'odd');
    await mkdir(join(odd, 'manifest.jsonl'), { recursive: true });
    r = await cli(['download', String(id), '--max-images', '1', '--out', odd]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^neurovault: cannot read ${odd}/manifest.jsonl: is a folder$`, 'm'));
    assertOurVoice(r);
  });

  test('a folder that cannot be written: permission denied, exit 2', { skip: isRoot ? 'root may write any folder' : false }, async () => {
    const { chmod } = await import('node:fs/promises');
    const locked = join(tmp, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      const r = await cli(['download', '1', '--out', join(locked, 'nv')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /cannot create .*locked\/nv \(--out\): permission denied/);
    } finally {
      await chmod(locked, 0o700);
    }
  });
});

describe('the describer and mkdir -p (units)', () => {
  test("Node's fs errors in words, naming the user's path", () => {
    const err = (code: string, syscall: string, extra: Record<string, string>) =>
      Object.assign(new Error(`${code}: x, ${syscall}`), { code, syscall, errno: -1, ...extra });
    const cases: [unknown, string][] = [
      [err('EACCES', 'stat', { path: '/data/nv' }), 'cannot access /data/nv: permission denied'],
      [err('EROFS', 'open', { path: '/ro/x' }), 'cannot open /ro/x: read-only file system'],
      [err('ENOSPC', 'write', { path: '/full/x' }), 'cannot write /full/x: no space left on the device'],
      [err('EISDIR', 'rename', { path: '/tmp/x.png.tmp-1', dest: '/tmp' }), 'cannot write /tmp: is a folder'],
      [err('ELOOP', 'open', { path: '/a/b' }), 'cannot open /a/b: too many symbolic links (a loop?)'],
      [err('EEXIST', 'mkdir', { path: '/out/collection_1' }), 'cannot create the folder /out/collection_1: a file is in the way'],
    ];
    for (const [raw, message] of cases) {
      const said = describeFsError(raw);
      assert.ok(said instanceof FileSystemError, message);
      assert.equal(said.message, message);
      assert.equal(said.exitCode, 1);
    }
    const named = describeFsError(err('ENOENT', 'open', { path: '/missing/dir/x.png.tmp-9' }), { path: '/missing/dir/x.png', action: 'write' });
    assert.equal((named as Error).message, 'cannot write /missing/dir/x.png: no such file or folder');
    const plain = new Error('not an fs error');
    assert.equal(describeFsError(plain), plain);
  });

  test('makeDirs: nested folders made; /proc/x refused at once; a file in the way refused', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nv-mkdirs-'));
    try {
      await makeDirs(join(root, 'a', 'b', 'c'));
      assert.ok((await stat(join(root, 'a', 'b', 'c'))).isDirectory());
      await makeDirs(join(root, 'a', 'b', 'c')); // exists: fine
      await assert.rejects(makeDirs('/proc/x/y'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
      await writeFile(join(root, 'f'), '');
      await assert.rejects(makeDirs(join(root, 'f', 'g')), (e: NodeJS.ErrnoException) => e.code === 'EEXIST' || e.code === 'ENOTDIR');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
