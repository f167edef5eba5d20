import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFields, suggest } from '../src/cli/field-check.js';
import { prepareArgv } from '../src/cli/globals.js';
import { matchesWhere, parseWhere } from '../src/filter/where.js';
import { ListTally } from '../src/cli/list-notice.js';
import { UsageError } from '../src/errors.js';

const NAMES = ['id', 'name', 'map_type', 'modality', 'collection_id', 'file', 'file_size'];

test('suggest: typos, case, swapped letters, dotted heads; nothing for a different word', () => {
  assert.deepEqual(suggest('map_typ', NAMES), ['map_type']);
  assert.deepEqual(suggest('ID', NAMES), ['id']);
  assert.deepEqual(suggest('nmae', NAMES), ['name']);
  assert.deepEqual(suggest('fiel.x', NAMES), ['file.x']);
  assert.deepEqual(suggest('thumbnail', NAMES), []);
});

test('checkFields: fields of any sampled record or the schema pass; none is judged without a sample', () => {
  const sample = [{ id: 1, a: null }, { id: 2, b: { c: 1 } }];
  assert.doesNotThrow(() => checkFields([{ field: 'a', flag: '--columns' }, { field: 'b.c', flag: '--where' }], sample, []));
  assert.doesNotThrow(() => checkFields([{ field: 'declared', flag: '--columns' }], sample, ['declared']));
  assert.doesNotThrow(() => checkFields([{ field: 'zzz', flag: '--columns' }], [], []));
  assert.throws(
    () => checkFields([{ field: 'b.d', flag: '--where "b.d=1"' }], sample, []),
    (err: unknown) => err instanceof UsageError && /unknown field "b\.d" in --where "b\.d=1"/.test(err.message),
  );
});

test('map_type, modality and analysis_level: code or label match both', () => {
  const t = { map_type: 'T map', analysis_level: 'group' };
  assert.ok(matchesWhere(t, parseWhere(['map_type=T'])));
  assert.ok(matchesWhere(t, parseWhere(['map_type=t map'])));
  assert.ok(matchesWhere({ map_type: 'T' }, parseWhere(['map_type=T map'])));
  assert.ok(!matchesWhere(t, parseWhere(['map_type=Z'])));
  assert.ok(matchesWhere(t, parseWhere(['map_type!=Z'])));
  assert.ok(!matchesWhere(t, parseWhere(['map_type!=T'])));
  assert.ok(matchesWhere(t, parseWhere(['analysis_level=G'])));
  assert.ok(!matchesWhere({ name: 'T map' }, parseWhere(['name=T'])), 'other fields compare as text');
});

test('prepareArgv: --json takes fields only where they can be picked; help a b', () => {
  const commands = new Set(['collections', 'images', 'list', 'get', 'download']);
  assert.deepEqual(prepareArgv(['--json', 'collections', 'list'], commands), ['--json=', 'collections', 'list']);
  assert.deepEqual(prepareArgv(['collections', 'list', '--json', 'id,name'], commands), ['collections', 'list', '--json', 'id,name']);
  assert.deepEqual(prepareArgv(['images', 'get', '--json', '396069'], commands), ['images', 'get', '--json=', '396069']);
  assert.deepEqual(prepareArgv(['images', 'get', '--json', 'ABCDEFGH-12'], commands), ['images', 'get', '--json=', 'ABCDEFGH-12']);
  assert.deepEqual(prepareArgv(['download', '--json', 'data'], commands), ['download', '--json=', 'data']);
  assert.deepEqual(prepareArgv(['collections', 'get', '--json', 'QXKZTRWM'], commands), ['collections', 'get', '--json=', 'QXKZTRWM']);
  assert.deepEqual(prepareArgv(['help', 'collections', 'list'], commands), ['collections', 'list', '--help']);
  assert.deepEqual(prepareArgv(['help', 'collections'], commands), ['help', 'collections']);
});

test('ListTally: "showing n of m" only when the cap cut the list', () => {
  const tally = new ListTally();
  tally.onPage({ results: new Array(100).fill({}), count: 1250 });
  assert.equal(tally.notice(100, 100, false), 'showing 100 of 1,250 — use --all or --limit');
  assert.equal(tally.notice(40, 100, false), undefined);
  assert.match(tally.notice(100, 100, true) ?? '', /^showing the first 100 matches/);
  const exact = new ListTally();
  exact.onPage({ results: new Array(100).fill({}), count: 100 });
  assert.equal(exact.notice(100, 100, false), undefined);
});
