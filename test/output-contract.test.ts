import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandin, DEFAULT_USER, type Standin } from './standin/server.js';
import { startS3rver, S3RVER_KEY, type LocalS3 } from './helpers/s3rver.js';
import { REPO_ROOT, runCli, type CliResult } from './helpers/run-cli.js';
import type { HelpIndex } from '../src/cli/help-index.js';

/**
 * The output contract, command by command: every command of the help index is run against the stand-in
 * (and s3rver) with each output flag its help advertises, and the documented result is asserted:
 * `--json a,b` keeps exactly those fields in every -o format, `--jq` filters, `--columns`/`--json` with a
 * typo is exit 2 naming the field, `--fields` lists the names, and a global output flag the help does not
 * show on that command is exit 2. A new command must be added to INVOCATIONS or NO_DATA to pass.
 */

const NIFTI = fileURLToPath(new URL('../../test/fixtures/nifti/mni152-2mm-tmap.nii.gz', import.meta.url));
const OUTPUT_FLAGS = ['--output', '--json', '--jq', '--columns', '--fields'];

interface Invocation {
  /** the command's words and arguments (fresh for each run: buckets and names are unique) */
  args: () => string[];
  /** two fields its records or result always have */
  fields: [string, string];
}

let counter = 0;
const unique = (stem: string) => `${stem}-${process.pid}-${++counter}`;

describe('output contract: each advertised output flag on every command', () => {
  let nv: Standin;
  let s3: LocalS3;
  let home: string;
  let index: HelpIndex;
  let ownCollection: number;
  const dl = () => join(home, 'dl');

  const env = () => ({
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_CONFIG_HOME: join(home, 'config'),
    NEUROVAULT_URL: nv.url,
    NEUROVAULT_TOKEN: DEFAULT_USER.token,
    AWS_ACCESS_KEY_ID: S3RVER_KEY,
    AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
    AWS_ENDPOINT_URL: s3.endpoint,
  });
  const cli = (args: string[]): Promise<CliResult> => runCli(args, { env: env(), cwd: home });

  const INVOCATIONS: Record<string, Invocation> = {
    'collections list': { args: () => ['collections', 'list', '--limit', '3'], fields: ['id', 'name'] },
    'collections get': { args: () => ['collections', 'get', '4510'], fields: ['id', 'DOI'] },
    'collections create': { args: () => ['collections', 'create', '--name', unique('contract')], fields: ['id', 'name'] },
    'images list': { args: () => ['images', 'list', '--collection', '4510'], fields: ['id', 'map_type'] },
    'images get': { args: () => ['images', 'get', String(firstImage())], fields: ['id', 'collection_id'] },
    'images upload': {
      args: () => ['images', 'upload', '--collection', String(ownCollection), join(home, 'map.nii.gz'), '--map-type', 'T', '--modality', 'fMRI-BOLD', '--name', unique('map')],
      fields: ['id', 'name'],
    },
    download: { args: () => ['download', '4510', '--out', dl()], fields: ['fetched', 'failed'] },
    verify: { args: () => ['verify', dl()], fields: ['checked', 'ok'] },
    search: { args: () => ['search', 'trap'], fields: ['id', 'name'] },
    'catalog sync': { args: () => ['catalog', 'sync'], fields: ['collections', 'images'] },
    'catalog status': { args: () => ['catalog', 'status'], fields: ['collections', 'images'] },
    'auth status': { args: () => ['auth', 'status'], fields: ['id', 'username'] },
    's3 mb': { args: () => ['s3', 'mb', `s3://${unique('mb').toLowerCase()}`], fields: ['action', 'bucket'] },
    's3 cp': { args: () => ['s3', 'cp', join(home, 'map.nii.gz'), `s3://contract/${unique('k')}`], fields: ['action', 'destination'] },
    's3 ls': { args: () => ['s3', 'ls', 's3://contract/', '--recursive'], fields: ['key', 'size'] },
    view: { args: () => ['view', NIFTI], fields: ['dims', 'peak'] },
  };
  /** Commands that print no records or result: every output flag is refused. */
  const NO_DATA: Record<string, string[]> = {
    'catalog path': ['catalog', 'path'],
    'auth login': ['auth', 'login', '--with-token'],
    'auth logout': ['auth', 'logout'],
    open: ['open', '4510'],
    completion: ['completion', 'bash'],
  };
  const firstImage = () => imageOf4510;
  let imageOf4510 = 0;

  before(async () => {
    nv = await startStandin({ collections: 6 });
    s3 = await startS3rver(['contract']);
    home = await mkdtemp(join(tmpdir(), 'nv-contract-'));
    await copyFile(NIFTI, join(home, 'map.nii.gz'));
    index = JSON.parse(await readFile(join(REPO_ROOT, 'dist/bundle/help-index.json'), 'utf8')) as HelpIndex;
    const listed = await cli(['images', 'list', '--collection', '4510', '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    imageOf4510 = (JSON.parse(listed.stdout) as { id: number }[])[0]!.id;
    const created = await cli(['collections', 'create', '--name', unique('own'), '-o', 'json']);
    assert.equal(created.code, 0, created.stderr);
    ownCollection = (JSON.parse(created.stdout) as { id: number }).id;
    for (const setup of [['catalog', 'sync'], ['download', '4510', '--out', dl()], ['s3', 'cp', join(home, 'map.nii.gz'), 's3://contract/seed.nii.gz']]) {
      const r = await cli(setup);
      assert.equal(r.code, 0, `${setup.join(' ')}: ${r.stderr}`);
    }
  });
  after(async () => {
    await nv?.close();
    await s3?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** The output flags the help page of `path` advertises. */
  const advertised = (path: string): string[] => {
    const page = index.pages[path];
    assert.ok(page, `no help page for ${path}`);
    const section = page.sections.find((s) => s.title.startsWith('Global options used here'));
    const terms = (section?.items ?? []).map(([term]) => term);
    return OUTPUT_FLAGS.filter((flag) => terms.some((t) => t.split(/[ ,]+/).includes(flag)));
  };

  test('every command of the help index is covered', () => {
    const leaves = Object.keys(index.pages).filter((p) => p !== '' && p !== 'help' && !Object.keys(index.pages).some((q) => q.startsWith(`${p} `)));
    for (const path of leaves) assert.ok(path in INVOCATIONS || path in NO_DATA, `the contract does not cover '${path}'`);
  });

  test('a command without data refuses every output flag (exit 2, says it does not apply)', async () => {
    for (const [path, args] of Object.entries(NO_DATA)) {
      assert.deepEqual(advertised(path), [], `${path} advertises output flags`);
      const r = await cli([...args, '--json']);
      assert.equal(r.code, 2, `${path}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--json does not apply to '${path}'`));
    }
  });

  for (const path of ['collections list', 'collections get', 'collections create', 'images list', 'images get', 'images upload', 'download', 'verify', 'search', 'catalog sync', 'catalog status', 'auth status', 's3 mb', 's3 cp', 's3 ls', 'view']) {
    test(`${path}: the output flags its help shows`, async () => {
      const { args, fields } = INVOCATIONS[path]!;
      const flags = advertised(path);
      assert.ok(flags.includes('--json') && flags.includes('--output'), `${path} advertises ${flags.join(' ')}`);
      const pair = fields.join(',');

      for (const format of ['json', 'ndjson', 'csv', 'tsv']) {
        const r = await cli([...args(), '--json', pair, '-o', format]);
        assert.equal(r.code, 0, `${path} --json ${pair} -o ${format}: ${r.stderr}`);
        for (const record of parsed(r.stdout, format)) assert.deepEqual(Object.keys(record), fields, `${path} -o ${format}: ${r.stdout}`);
      }
      const typo = await cli([...args(), '--json', `${fields[0]},nosuchfieldx`]);
      assert.equal(typo.code, 2, `${path} --json typo: ${typo.stderr}`);
      assert.match(typo.stderr, /unknown field "nosuchfieldx" in --json/);

      if (flags.includes('--jq')) {
        const r = await cli([...args(), '--jq', 'type']);
        assert.equal(r.code, 0, `${path} --jq: ${r.stderr}`);
        assert.match(r.stdout, /^(array|object)\n$/);
      } else {
        assert.equal((await cli([...args(), '--jq', 'type'])).code, 2, `${path} refuses --jq`);
      }
      if (flags.includes('--columns')) {
        const r = await cli([...args(), '--columns', pair, '-o', 'tsv']);
        assert.equal(r.code, 0, `${path} --columns: ${r.stderr}`);
        assert.equal(r.stdout.split('\n')[0], fields.join('\t'));
        const bad = await cli([...args(), '--columns', `${fields[0]},nosuchcolumnx`, '-o', 'csv']);
        assert.equal(bad.code, 2, `${path} --columns typo: ${bad.stderr}`);
        assert.match(bad.stderr, /unknown field "nosuchcolumnx" in --columns/);
      } else {
        assert.equal((await cli([...args(), '--columns', pair])).code, 2, `${path} refuses --columns`);
      }
      if (flags.includes('--fields')) {
        const r = await cli([...args(), '--fields']);
        assert.equal(r.code, 0, `${path} --fields: ${r.stderr}`);
        const names = r.stdout.trim().split('\n');
        for (const f of fields) assert.ok(names.includes(f), `${path} --fields lists ${f}`);
      } else {
        const r = await cli([...args(), '--fields']);
        assert.equal(r.code, 2, `${path} refuses --fields`);
        assert.match(r.stderr, /--fields does not apply/);
      }
    });
  }
});

/** The records of an output: a JSON array's items, one object, ndjson lines, or csv/tsv rows keyed by the header. */
function parsed(stdout: string, format: string): Record<string, unknown>[] {
  if (format === 'json') {
    const value = JSON.parse(stdout) as unknown;
    const list = Array.isArray(value) ? (value as Record<string, unknown>[]) : [value as Record<string, unknown>];
    assert.ok(list.length > 0, 'at least one record');
    return list;
  }
  const lines = stdout.split(/\r?\n/).filter(Boolean);
  assert.ok(lines.length > 0, 'some output');
  if (format === 'ndjson') return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const sep = format === 'tsv' ? '\t' : ',';
  const header = lines[0]!.split(sep);
  assert.ok(lines.length >= 2, `a header and at least one row: ${stdout}`);
  return lines.slice(1).map((l) => Object.fromEntries(header.map((h, i) => [h, l.split(sep)[i]])));
}
