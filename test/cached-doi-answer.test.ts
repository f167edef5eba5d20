import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startStandin, type Standin } from './standin/server.js';
import { REPO_ROOT, isolatedEnv, runCli, type CliResult } from './helpers/run-cli.js';
import { DoiIndexBuilder, INDEX_STALE_MS, writeDoiIndex } from '../src/api/doi-index.js';
import { collectionDois } from '../src/api/refs.js';
import { plainDoiLookup } from '../src/cli/cached-doi-answer.js';

const SEED_DOI = '10.1016/j.neurobiolaging.2012.11.002';

/**
 * A repeat `collections list --doi` is answered from the DOI index without the command tree
 * (src/cli/cached-doi-answer.ts). Two things are checked: it prints exactly what the tree prints, and it
 * really answers (an install without the ES module bundle still answers) or really steps aside.
 */
describe('a repeat DOI lookup without the command tree', () => {
  let nv: Standin;
  let cache: string;
  let treeless: string;
  const env = (extra: Record<string, string | undefined> = {}) => ({ XDG_CACHE_HOME: cache, ...extra });

  before(async () => {
    nv = await startStandin({ collections: 300, doiFilter: 'ignored' });
    cache = mkdtempSync(join(tmpdir(), 'nv-quick-doi-'));
    // The index, written by a real scan.
    const scan = await runCli(['--base-url', nv.url, 'collections', 'list', '--doi', SEED_DOI, '-o', 'json'], { env: env() });
    assert.equal(scan.code, 0, scan.stderr);
    // The package without its ES module bundle: only the quick answers can answer there.
    treeless = mkdtempSync(join(tmpdir(), 'nv-treeless-'));
    mkdirSync(join(treeless, 'dist', 'bundle'), { recursive: true });
    cpSync(join(REPO_ROOT, 'bin'), join(treeless, 'bin'), { recursive: true });
    cpSync(join(REPO_ROOT, 'package.json'), join(treeless, 'package.json'));
    for (const f of ['quick.cjs', 'doi-answer.cjs', 'help-index.json']) cpSync(join(REPO_ROOT, 'dist', 'bundle', f), join(treeless, 'dist', 'bundle', f));
  });
  after(async () => {
    await nv.close();
    rmSync(cache, { recursive: true, force: true });
    rmSync(treeless, { recursive: true, force: true });
  });

  async function withoutTree(args: string[], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(treeless, 'bin', 'neurovault.cjs'), ...args], {
        env: isolatedEnv(env(extra)),
      });
      return { code: 0, signal: null, stdout, stdoutBytes: Buffer.from(stdout), stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, signal: null, stdout: e.stdout, stdoutBytes: Buffer.from(e.stdout), stderr: e.stderr };
    }
  }

  const ANSWERED: [string, string[], Record<string, string>?][] = [
    ['json', ['--base-url', '@', 'collections', 'list', '--doi', SEED_DOI, '-o', 'json']],
    ['ndjson, quiet', ['--base-url', '@', 'collections', 'list', '--doi', SEED_DOI, '-o', 'ndjson', '-q']],
    ['csv, flags before the words', ['-o', 'csv', '--base-url=@', 'collections', 'list', '--doi', SEED_DOI]],
    ['the piped default (tsv), --doi=', ['--base-url', '@', 'collections', 'list', `--doi=${SEED_DOI}`, '--no-progress', '--no-color', '--no-pager']],
    ['another DOI form, --output=', ['--base-url', '@', 'collections', 'list', '--doi', `https://doi.org/${SEED_DOI.toUpperCase()}`, '--output=json']],
    ['the server from NEUROVAULT_URL', ['collections', 'list', '--doi', SEED_DOI, '-o', 'tsv'], { NEUROVAULT_URL: '@' }],
  ];

  for (const [what, args, extra] of ANSWERED) {
    test(`${what}: answered without the tree, byte for byte as the tree answers`, async () => {
      const fill = (s: string) => s.replace('@', nv.url);
      const line = args.map(fill);
      const envs = Object.fromEntries(Object.entries(extra ?? {}).map(([k, v]) => [k, fill(v)]));
      nv.requests.length = 0;
      const quick = await withoutTree(line, envs);
      assert.equal(quick.code, 0, quick.stderr);
      // --timeout is accepted by every command and changes nothing here, but this path does not take it.
      const tree = await runCli([...line, '--timeout', '30'], { env: env(envs) });
      assert.equal(tree.code, 0, tree.stderr);
      assert.equal(quick.stdout, tree.stdout);
      assert.equal(quick.stderr, tree.stderr);
      assert.match(quick.stdout, new RegExp(String(nv.seedDoiCollectionId)));
      assert.equal(nv.requests.length, 0, 'no request either way');
    });
  }

  test('an index over an hour old is left to the tree, which says how old it is', async () => {
    const stale = mkdtempSync(join(tmpdir(), 'nv-stale-doi-'));
    try {
      const index = new DoiIndexBuilder<Record<string, unknown>>(collectionDois);
      index.add([nv.collection(nv.seedDoiCollectionId) as Record<string, unknown>]);
      await writeDoiIndex(join(stale, 'neurovault-cli'), nv.url, index, Date.now() - INDEX_STALE_MS - 60_000);
      const line = ['--base-url', nv.url, 'collections', 'list', '--doi', SEED_DOI, '-o', 'json'];
      const quick = await withoutTree(line, { XDG_CACHE_HOME: stale });
      assert.notEqual(quick.code, 0, 'not answered without the tree');
      const tree = await runCli(line, { env: { XDG_CACHE_HOME: stale } });
      assert.equal(tree.code, 0, tree.stderr);
      assert.match(tree.stderr, /answered from the collection index cached 1 hour ago/);
      // Quiet, the age is no news: then it is answered without the tree.
      assert.equal((await withoutTree([...line, '-q'], { XDG_CACHE_HOME: stale })).code, 0);
    } finally {
      rmSync(stale, { recursive: true, force: true });
    }
  });

  const LEFT: [string, string[], Record<string, string>?][] = [
    ['-v', ['-v']],
    ['another flag of the command', ['--limit', '5']],
    ['a table', ['-o', 'table']],
    ['a bad format (the tree names the formats)', ['-o', 'yaml']],
    ['--json with fields', ['--json', 'id,name']],
    ['offline mode', [], { NEUROVAULT_OFFLINE: '1' }],
    ['a bad NEUROVAULT_TIMEOUT (the tree rejects it)', [], { NEUROVAULT_TIMEOUT: 'soon' }],
  ];
  for (const [what, more, extra] of LEFT) {
    test(`${what}: left to the tree`, async () => {
      const line = ['--base-url', nv.url, 'collections', 'list', '--doi', SEED_DOI, ...more];
      const quick = await withoutTree(line, extra);
      assert.notEqual(quick.code, 0, `answered without the tree: ${quick.stdout}`);
      assert.match(quick.stderr, /main\.js|Cannot find module|ERR_MODULE_NOT_FOUND/, 'it went for the tree');
      const tree = await runCli(line, { env: env(extra) });
      assert.ok(tree.code !== null);
    });
  }

  test('a DOI the index does not hold is left to the tree, which asks the server', async () => {
    const line = ['--base-url', nv.url, 'collections', 'list', '--doi', '10.9999/not.there', '-o', 'json'];
    assert.notEqual((await withoutTree(line)).code, 0);
    nv.requests.length = 0;
    const tree = await runCli(line, { env: env() });
    assert.equal(tree.code, 4, tree.stderr);
    assert.ok(nv.requests.length > 0, 'the server was asked');
  });

  test('the line it takes, word by word', () => {
    const take = (...argv: string[]) => plainDoiLookup(argv, {}) !== undefined;
    assert.ok(take('collections', 'list', '--doi', SEED_DOI));
    assert.ok(take('-q', 'collections', 'list', '--doi', SEED_DOI, '-o', 'json'));
    assert.ok(!take('collections', '--doi', SEED_DOI, 'list'), '--doi belongs to list: before it, the tree reports it');
    assert.ok(!take('collections', 'list', '--doi', SEED_DOI, '--doi', SEED_DOI), 'twice');
    assert.ok(!take('collections', 'list', '--doi', '-q'), 'a value that looks like a flag');
    assert.ok(!take('collections', 'list', '--doi', SEED_DOI, 'extra'));
    assert.ok(!take('collections', 'list', '--doi', SEED_DOI, '-ojson'), 'short flags run together');
    assert.ok(!take('collections', 'list', '--doi', SEED_DOI, '--quiet=yes'));
    assert.ok(!take('collections', 'list', '--doi', SEED_DOI, '--'));
    assert.ok(!take('images', 'list', '--doi', SEED_DOI));
    assert.ok(!take('constructor', 'collections', 'list', '--doi', SEED_DOI), 'a word that is a prototype key');
    const fromEnv = plainDoiLookup(['collections', 'list', '--doi', SEED_DOI], { NEUROVAULT_URL: 'http://x', NEUROVAULT_TIMEOUT: '5' });
    assert.deepEqual(fromEnv?.raw, { baseUrl: 'http://x', timeout: '5' });
    assert.deepEqual([...(fromEnv?.fromEnv ?? [])].sort(), ['baseUrl', 'timeout']);
  });
});
