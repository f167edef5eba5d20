import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startStandin, type Standin } from './standin/server.js';
import { runCli } from './helpers/run-cli.js';
import { runTty, screenLines } from './helpers/run-tty.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const ttyTest = hasScript ? test : test.skip;

describe('screens and honest lists against the stand-in', () => {
  let nv: Standin;
  let tmp: string;
  const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['--base-url', nv.url, ...args], { env });
  const tty = (args: string[], cols: number, env: Record<string, string | undefined> = {}) =>
    runTty(['--base-url', nv.url, ...args], { cols, env });

  before(async () => {
    nv = await startStandin({ collections: 30 });
    tmp = await mkdtemp(join(tmpdir(), 'nv-ux-'));
  });
  after(async () => {
    await nv.close();
    await rm(tmp, { recursive: true, force: true });
  });

  ttyTest('on an 80-column terminal: a borderless table that fits, humanised, and "showing 100 of 1,250"', async () => {
    const r = await tty(['images', 'list', '--collection', String(nv.bigCollectionId)], 80);
    assert.equal(r.code, 0, r.screen);
    const lines = screenLines(r.screen).filter(Boolean);
    for (const line of lines) assert.ok(line.length <= 80, `longer than 80: ${line}`);
    assert.match(lines[0]!, /^id +collection_id +name +image_type +map_type +modality +file_size$/);
    assert.equal(lines.filter((l) => /^\d+ /.test(l)).length, 100);
    assert.match(lines.at(-1)!, /^neurovault: showing 100 of 1,250 — use --all or --limit$/);
    assert.match(r.screen, / KiB/);
    assert.doesNotMatch(r.screen, /[┌│─]/);
  });

  ttyTest('at 40 and 120 columns the same list fits too, ids whole', async () => {
    for (const cols of [40, 120]) {
      const r = await tty(['collections', 'list', '--limit', '5'], cols);
      assert.equal(r.code, 0, r.screen);
      const lines = screenLines(r.screen).filter(Boolean);
      // The notice on stderr is a sentence the terminal wraps; the table is what must fit.
      for (const line of lines.filter((l) => !l.startsWith('neurovault: '))) assert.ok(line.length <= cols, `${cols}: ${line}`);
      assert.ok(lines.slice(1, 6).every((l) => /^\d{4,5} /.test(l)), r.screen);
    }
  });

  test('piped: no notice, raw values', async () => {
    const r = await cli(['images', 'list', '--collection', String(nv.bigCollectionId)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 101);
    assert.equal(r.stderr, '');
  });

  ttyTest('images get on a terminal: every meaningful field, file and url uncut even at 60 columns', async () => {
    const image = nv.image(24375) as Record<string, string>;
    const r = await tty(['images', 'get', '24375'], 60);
    assert.equal(r.code, 0, r.screen);
    const lines = screenLines(r.screen);
    assert.ok(lines.some((l) => /^file +/.test(l) && l.endsWith(image.file!)), r.screen);
    assert.ok(lines.some((l) => /^url +/.test(l) && l.endsWith(image.url!)));
    assert.ok(lines.some((l) => /^file_size +837 KiB \(856688 bytes\)$/.test(l)), r.screen);
    assert.match(lines[0]!, /^id +24375$/);
  });

  ttyTest('collections get on a terminal shows more than the six list columns', async () => {
    const r = await tty(['collections', 'get', '1615'], 80);
    assert.equal(r.code, 0, r.screen);
    const screen = screenLines(r.screen).join('\n');
    assert.match(screen, /\nurl +http:\/\/127\.0\.0\.1:\d+\/collections\/1615\//);
    assert.match(screen, /\nadd_date +2016-08-06/);
  });

  test('a misspelt --where field is exit 2 with the closest name, before anything is printed', async () => {
    const r = await cli(['images', 'list', '--collection', '1615', '--where', 'map_typ=T map']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^neurovault: unknown field "map_typ" in --where "map_typ=T map": no record has it$/m);
    assert.match(r.stderr, /^hint: did you mean map_type\?/m);
  });

  test('--columns ID suggests id; --json nme suggests name; collection.<field> is checked against the collection', async () => {
    let r = await cli(['collections', 'list', '--columns', 'ID,name']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown field "ID" in --columns/);
    assert.match(r.stderr, /did you mean id\b/);
    r = await cli(['images', 'get', '24375', '--json', 'id,nme']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown field "nme" in --json: no such field/);
    assert.match(r.stderr, /did you mean name/);
    r = await cli(['images', 'list', '--collection', '1615', '--where', 'collection.DIO!=null']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /did you mean collection\.DOI/);
    r = await cli(['images', 'list', '--collection', '1615', '--where', 'user_defined_key=1']);
    assert.equal(r.code, 2, 'a key no image has');
  });

  test('map_type=T matches "T map", as upload accepts the code', async () => {
    const byCode = await cli(['images', 'list', '--collection', '1615', '--where', 'map_type=T', '--columns', 'id']);
    const byLabel = await cli(['images', 'list', '--collection', '1615', '--where', 'map_type=T map', '--columns', 'id']);
    assert.equal(byCode.code, 0, byCode.stderr);
    assert.ok(byCode.stdout.trimEnd().split('\n').length > 1, 'some T maps');
    assert.equal(byCode.stdout, byLabel.stdout);
  });

  test('--json id,name: gh style, just those fields; bare --json before a command still works', async () => {
    let r = await cli(['collections', 'list', '--limit', '3', '--json', 'id,name']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as object[];
    assert.equal(rows.length, 3);
    assert.deepEqual(Object.keys(rows[0]!), ['id', 'name']);
    r = await cli(['--json', 'collections', 'list', '--limit', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Object.keys((JSON.parse(r.stdout) as object[])[0]!).length > 5);
    r = await cli(['images', 'get', '--json', '24375']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { id: number }).id, 24375);
    r = await cli(['images', 'get', '24375', '--json', 'id,file']);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout) as object), ['id', 'file']);
  });

  test('--jq runs real jq over the JSON (strings raw); a bad expression is exit 2 before any request', async () => {
    let r = await cli(['collections', 'list', '--limit', '3', '--jq', '.[] | select(.id > 0) | .name']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Synthetic collection 1\nSynthetic collection 2\nSynthetic collection 3\n');
    r = await cli(['images', 'get', '24375', '--jq', '{id, size: .file_size} | tojson']);
    assert.equal(r.stdout, '{"id":24375,"size":856688}\n');
    r = await cli(['images', 'list', '--collection', '1615', '--json', 'map_type', '--jq', 'group_by(.map_type) | map([.[0].map_type, length])', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [['T map', 2], ['Z map', 3]]);
    const before = nv.requests.length;
    r = await cli(['collections', 'list', '--jq', '.[] | .name |']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^neurovault: invalid --jq expression: syntax error/);
    r = await cli(['collections', 'list', '--jq', '.[']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^neurovault: invalid --jq expression: syntax error, unexpected end of/);
    assert.doesNotMatch(r.stderr, /;/, 'no token the user never typed');
    r = await cli(['collections', 'list', '--jq', '$undefined']);
    assert.equal(r.code, 2);
    assert.equal(nv.requests.length, before, 'no request for a bad expression');
    r = await cli(['collections', 'list', '--limit', '1', '--jq', '.[0].name.x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^neurovault: --jq: Cannot index string with string "x"$/m);
    r = await cli(['collections', 'list', '--jq', '.', '-o', 'csv']);
    assert.equal(r.code, 2);
  });

  test('--fields lists the field names, user-defined keys included', async () => {
    const r = await cli(['images', 'list', '--collection', '1615', '--fields']);
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout.trimEnd().split('\n');
    for (const f of ['id', 'name', 'file', 'map_type', 'collection_id', 'custom_prop']) assert.ok(names.includes(f), f);
  });

  test('help: commands before options; a command lists the globals it uses; help a b; fits 80 columns', async () => {
    const top = await runCli(['--help'], { env: { COLUMNS: '80' } });
    assert.equal(top.code, 0);
    assert.ok(top.stdout.indexOf('Commands:') < top.stdout.indexOf('Output options:'));
    for (const line of top.stdout.split('\n')) if (!line.startsWith('  $')) assert.ok(line.length <= 80, line);
    const sub = await runCli(['collections', 'list', '--help'], { env: { COLUMNS: '80' } });
    assert.match(sub.stdout, /Global options used here[^\n]*\n(.*\n)*  -o, --output <format>/);
    assert.match(sub.stdout, /--columns <list>/);
    for (const line of sub.stdout.split('\n')) if (!line.startsWith('  $')) assert.ok(line.length <= 80, line);
    const viaHelp = await runCli(['help', 'collections', 'list'], { env: { COLUMNS: '80' } });
    assert.equal(viaHelp.stdout, sub.stdout);
    const download = await runCli(['download', '--help'], { env: { COLUMNS: '80' } });
    for (const line of download.stdout.split('\n')) if (!line.startsWith('  $')) assert.ok(line.length <= 80, line);
  });

  test('--dry-run and --dryrun both work on download and s3 cp', async () => {
    for (const flag of ['--dry-run', '--dryrun']) {
      const d = await cli(['download', String(nv.sixtyCollectionId), '--out', join(tmp, 'd'), flag, '-o', 'json']);
      assert.equal(d.code, 0, d.stderr);
      assert.equal((JSON.parse(d.stdout) as object[]).length, 60);
      const file = join(tmp, 'f.txt');
      await writeFile(file, 'x');
      const s = await runCli(['s3', 'cp', file, 's3://bucket-name/k', flag, '--endpoint-url', 'http://127.0.0.1:9'], {
        env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
      });
      assert.equal(s.code, 0, s.stderr);
      assert.match(s.stderr, /^\(dryrun\) upload: /m);
    }
  });

  test('open/--web: the URL on stdout without a display; $BROWSER gets the page URL', async () => {
    let r = await cli(['collections', 'get', '1615', '--web'], { DISPLAY: undefined, BROWSER: undefined });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${nv.url}/collections/1615/\n`);
    r = await cli(['open', 'image:24375']);
    assert.equal(r.stdout, `${nv.url}/images/24375/\n`);
    r = await cli(['open', 'doi:10.1016/j.neurobiolaging.2012.11.002']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${nv.url}/collections/${nv.seedDoiCollectionId}/\n`);
    r = await cli(['open', 'not a ref']);
    assert.equal(r.code, 2);
    const seen = join(tmp, 'browser-args');
    const browser = join(tmp, 'browser.sh');
    await writeFile(browser, `#!/bin/sh\nprintf '%s\\n' "$@" > ${seen}\n`);
    await chmod(browser, 0o755);
    r = await cli(['images', 'get', 'QXKZTRWM-7', '--web'], { BROWSER: browser });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    let args = '';
    for (let i = 0; i < 100 && !args; i++) {
      args = await readFile(seen, 'utf8').catch(() => '');
      if (!args) await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(args, `${nv.url}/collections/QXKZTRWM/images/7/\n`);
  });
});
