import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../src/output/table.js';
import { startStandin, type Standin } from './standin/server.js';
import { runCli } from './helpers/run-cli.js';

// cli-table3 measures with string-width and cuts a cell it finds wider than its column: our measure must
// never be the narrower one, or these would lose their last characters.
test('characters string-width calls wide (⭐ ⬛ ﹖ 𛀀 ꥠ) are drawn whole, columns still aligned', () => {
  const rows = [
    ['x ⭐ y', '1'],
    ['a ⬛ b', '2'],
    ['c ﹖ 𛀀 ꥠ d', '3'],
  ];
  const lines = renderTable(['name', 'n'], rows, { width: 80, color: false }).split('\n');
  rows.forEach((row, i) => assert.ok(lines[i + 1]!.startsWith(`${row[0]} `), lines[i + 1]));
  assert.doesNotMatch(lines.join('\n'), /…/);
  assert.deepEqual(
    lines.map((l) => l.at(-1)),
    ['n', '1', '2', '3'],
  );
});

let nv: Standin;
before(async () => {
  nv = await startStandin({ collections: 5 });
});
after(() => nv.close());

// NODE_DEBUG=module makes Node log every CommonJS module it loads (to stderr).
test('cli-table3 is loaded only when a table is drawn: not by --help or --version, but by -o table', async () => {
  const env = { NODE_DEBUG: 'module' };
  for (const args of [['--help'], ['--version'], ['collections', 'list', '--help']]) {
    const r = await runCli(args, { env });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /cli-table3/, args.join(' '));
  }
  const drawn = await runCli(['--base-url', nv.url, '-o', 'table', 'collections', 'list', '--limit', '2'], { env });
  assert.equal(drawn.code, 0, drawn.stderr);
  assert.match(drawn.stdout.split('\n')[0]!, /^id {2,}name/);
  assert.match(drawn.stderr, /cli-table3/, 'the probe sees cli-table3 when it is loaded');
});
