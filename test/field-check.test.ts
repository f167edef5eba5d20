import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFields, suggest } from '../src/output/fields.js';
import { prepareArgv } from '../src/cli/globals.js';
import { matchesWhere, parseWhere } from '../src/filter/where.js';
import { listNotice } from '../src/output/presenter.js';
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

test('prepareArgv: --json takes fields on every command, never a command, ref or file; help a b', () => {
  const commands = new Set(['collections', 'images', 'list', 'get', 'download']);
  assert.deepEqual(prepareArgv(['--json', 'collections', 'list'], commands), ['--json=', 'collections', 'list']);
  assert.deepEqual(prepareArgv(['collections', 'list', '--json', 'id,name'], commands), ['collections', 'list', '--json', 'id,name']);
  assert.deepEqual(prepareArgv(['images', 'get', '--json', '396069'], commands), ['images', 'get', '--json=', '396069']);
  assert.deepEqual(prepareArgv(['images', 'get', '--json', 'ABCDEFGH-12'], commands), ['images', 'get', '--json=', 'ABCDEFGH-12']);
  assert.deepEqual(prepareArgv(['download', '--json', '4512'], commands), ['download', '--json=', '4512']);
  assert.deepEqual(prepareArgv(['search', 'working', 'memory', '--json', 'id,name'], commands), ['search', 'working', 'memory', '--json', 'id,name']);
  assert.deepEqual(prepareArgv(['view', 'map.nii.gz', '--json', 'dims,peak'], commands), ['view', 'map.nii.gz', '--json', 'dims,peak']);
  assert.deepEqual(prepareArgv(['view', '--json', 'map.nii.gz'], commands), ['view', '--json=', 'map.nii.gz']);
  assert.deepEqual(prepareArgv(['download', '4512', '--json', 'bytes,fetched'], commands), ['download', '4512', '--json', 'bytes,fetched']);
  assert.deepEqual(prepareArgv(['collections', 'get', '--json', 'QXKZTRWM'], commands), ['collections', 'get', '--json=', 'QXKZTRWM']);
  assert.deepEqual(prepareArgv(['help', 'collections', 'list'], commands), ['collections', 'list', '--help']);
  assert.deepEqual(prepareArgv(['help', 'collections'], commands), ['help', 'collections']);
});

test('listNotice: "showing n of m" only when the cap cut the list; an empty answer is said', () => {
  const shape = { noun: ['image', 'images'] as const, defaults: [], declared: [] };
  assert.equal(listNotice(100, { limit: 100, total: () => 1250 }, shape), 'showing 100 of 1,250 — use --all or --limit');
  assert.equal(listNotice(40, { limit: 100, total: () => 1250 }, shape), undefined);
  assert.match(listNotice(100, { limit: 100, total: () => 1250, filtered: true }, shape) ?? '', /^showing the first 100 matches/);
  assert.equal(listNotice(100, { limit: 100, total: () => 100 }, shape), undefined);
  assert.equal(listNotice(0, { limit: 100, total: () => 0 }, shape), 'no images');
  assert.equal(listNotice(0, { limit: 100, filtered: true }, shape), 'no images match');
});

test('--where map_type=Tmap: a value outside a known choice table is exit 2 with the closest, not an empty answer', () => {
  assert.throws(
    () => parseWhere(['map_type=Tmap']),
    (err: UsageError) => err.exitCode === 2 && /no map_type is "Tmap"/.test(err.message) && /^did you mean "T map"\? map_type is one of: T \(T map\)/.test(err.hint ?? ''),
  );
  assert.throws(() => parseWhere(['modality!=fMRI_BOLD']), (err: UsageError) => /did you mean "fMRI-BOLD"/.test(err.hint ?? ''));
  assert.throws(() => parseWhere(['collection.modality=PETT']), /no modality is "PETT"/);
  // Known values, null tests, regexes and fields without a table pass.
  for (const ok of ['map_type=T', 'map_type=Z map', 'map_type=null', 'map_type!=', 'map_type~T', 'modality=fmri-bold', 'name=Tmap']) parseWhere([ok]);
});
