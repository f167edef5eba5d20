import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../src/output/table.js';
import { displayWidth } from '../src/output/text.js';
import { humanizer, humanDate } from '../src/output/humanize.js';
import { renderKeyValues } from '../src/output/kv-view.js';
import { LOW_VALUE_COLUMNS } from '../src/cli/actions/shapes.js';

process.env.TZ = 'UTC';

const HEAD = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
const ROWS = [
  ['1615', 'pynv test collection (images recorded 2020-07-20) with a long description-like name', '', '5', 'pynv_tests', '2016-08-31'],
  ['123456789', 'Working memory in aging: a voxel-wise meta analysis of n-back studies', '10.1016/j.neurobiolaging.2012.11.002', '1250', 'researcher1', '2015-01-03'],
  ['20003', '記憶 研究 コレクション 🧠 emoji and wide characters', '10.9999/synthetic.3', '3', 'someone', '2015-01-05'],
];

for (const width of [40, 80, 120, 200]) {
  test(`table at ${width} columns: no line longer than the width, every id whole`, () => {
    const lines = renderTable(HEAD, ROWS, { width, color: false, dropFirst: LOW_VALUE_COLUMNS }).split('\n');
    assert.equal(lines.length, ROWS.length + 1);
    for (const line of lines) assert.ok(displayWidth(line) <= width, `${displayWidth(line)} > ${width}: ${line}`);
    ROWS.forEach((row, i) => assert.ok(lines[i + 1]!.startsWith(`${row[0]} `), `id intact: ${lines[i + 1]}`));
    if (width >= 120) for (const [i, row] of ROWS.entries()) assert.ok(lines[i + 1]!.includes(row[5]!), 'dates never cut at 120+');
  });
}

for (const width of [40, 80, 120, 200]) {
  test(`default columns at ${width}: low-value columns go before a name is cut below 20 cells; a DOI whole or absent`, () => {
    const lines = renderTable(HEAD, ROWS, { width, color: false, dropFirst: LOW_VALUE_COLUMNS }).split('\n');
    const head = lines[0]!.split(/ {2,}/);
    const at = lines[0]!.indexOf('name');
    const nameCells = lines.slice(1).map((l) => l.slice(at).split(/ {2,}/)[0]!);
    const cutBelow20 = nameCells.some((n) => n.endsWith('…') && displayWidth(n) < 20);
    const lowShown = head.filter((h) => ['modify_date', 'owner_name', 'number_of_images'].includes(h));
    assert.ok(!(cutBelow20 && lowShown.length > 0), `a name cut to ${nameCells} while ${lowShown} shown:\n${lines.join('\n')}`);
    assert.ok(!/^numbe|^ow…|…$/.test(head.join(' ')), `no cut header: ${lines[0]}`);
    if (head.includes('DOI')) for (const row of ROWS) if (row[2]) assert.ok(lines.some((l) => l.includes(row[2]!)), `DOI whole: ${lines.join('\n')}`);
  });
}

test('the 80-column demo: id, a readable name and the DOI whole; modify_date, owner_name first to go', () => {
  const lines = renderTable(HEAD, [ROWS[1]!], { width: 80, color: false, dropFirst: LOW_VALUE_COLUMNS }).split('\n');
  assert.equal(lines[0], 'id         name                             DOI');
  assert.equal(lines[1], '123456789  Working memory in aging: a vox…  10.1016/j.neurobiolaging.2012.11.002');
  const at40 = renderTable(HEAD, [ROWS[1]!], { width: 40, color: false, dropFirst: LOW_VALUE_COLUMNS }).split('\n');
  assert.deepEqual(at40, ['id         name', '123456789  Working memory in aging: a v…']);
});

test('a URL or path is never cut: it stays whole, and when it cannot fit each record becomes key/value lines', () => {
  const url = 'http://127.0.0.1:8000/images/608822/';
  const head = ['id', 'name', 'map_type', 'modality', 'file_size', 'url'];
  const row = ['608822', 'an uploaded map with a long name', 'T map', 'fMRI-BOLD', '49.1 KiB', url];
  const at80 = renderTable(head, [row], { width: 80, color: false, dropFirst: LOW_VALUE_COLUMNS }).split('\n');
  assert.ok(at80[1]!.endsWith(`  ${url}`), at80.join('\n'));
  assert.ok(at80.every((l) => l.length <= 80));
  const at40 = renderTable(head, [row, row], { width: 40, color: false, dropFirst: LOW_VALUE_COLUMNS }).split('\n');
  assert.deepEqual(at40.slice(0, 7), ['id         608822', 'name       an uploaded map with a long name', 'map_type   T map', 'modality   fMRI-BOLD', 'file_size  49.1 KiB', `url        ${url}`, '']);
  const paths = renderTable(['id', 'path'], [['1', 'collection_1615/a_very_long_file_name_for_a_statistic_map_and_more.nii.gz']], { width: 40, color: false });
  assert.match(paths, /^path +collection_1615\/a_very_long_file_name_for_a_statistic_map_and_more\.nii\.gz$/m);
});

test('the widest free-text column is cut first, with …; DOIs and numbers stay whole while it can give', () => {
  const lines = renderTable(HEAD, ROWS, { width: 120, color: false }).split('\n');
  assert.match(lines[2]!, /Working memory in aging.*…/);
  assert.ok(lines[2]!.includes('10.1016/j.neurobiolaging.2012.11.002'));
  assert.ok(lines[2]!.includes(' 1250 '));
  const wide = renderTable(HEAD, ROWS, { width: 200, color: false }).split('\n');
  assert.ok(wide[1]!.includes(ROWS[0]![1]!), 'nothing cut when it fits');
  assert.doesNotMatch(wide.join('\n'), /…/);
});

test('borderless: a header line and rows, two spaces apart, no trailing blanks, bold header only with colour', () => {
  const plain = renderTable(['id', 'name'], [['1', 'a'], ['22', 'bb']], { width: 80, color: false });
  assert.equal(plain, 'id  name\n1   a\n22  bb');
  const coloured = renderTable(['id', 'name'], [['1', 'a']], { width: 80, color: true });
  assert.equal(coloured, '\u001b[1mid\u001b[22m  \u001b[1mname\u001b[22m\n1   a');
});

test('humanised sizes and dates (for screens only)', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const h = humanizer(now);
  assert.equal(h('file_size', 856688), '837 KiB');
  assert.equal(h('file_size', 0), '');
  assert.equal(h('modify_date', '2015-01-03T01:09:15.223144+01:00'), '2015-01-03');
  assert.equal(h('modify_date', '2026-01-10T09:00:00Z'), '3 hours ago');
  assert.equal(h('add_date', '2026-01-07T12:00:00Z'), '3 days ago');
  assert.equal(h('name', 'x'), undefined);
  assert.equal(h('number_of_images', 1250), undefined);
  assert.equal(humanDate('2015-01-03T01:09:15.223144+01:00', now, true), '2015-01-03 00:09');
  assert.equal(humanizer(now, { exactSizes: true })('file_size', 856688), '837 KiB (856688 bytes)');
});

test('key/value view: every meaningful field, id and name first, URLs uncut at 40 columns, nested readable', () => {
  const url = 'https://neurovault.org/media/images/1615/a_very_long_file_name_for_a_statistic_map.nii.gz';
  const text = renderKeyValues(
    {
      url: 'https://neurovault.org/images/1/',
      name: 'n',
      id: 1,
      description: 'word '.repeat(30).trim(),
      file: url,
      DOI: null,
      paper: 'None',
      authors: ['Ann', 'Bob'],
      meta: { task: 'n-back', empty: '' },
    },
    undefined,
    { width: 40, color: false },
  );
  const lines = text.split('\n');
  assert.equal(lines[0], 'id           1');
  assert.equal(lines[1], 'name         n');
  assert.ok(lines.includes(`file         ${url}`), text);
  assert.ok(lines.includes('authors      Ann, Bob'));
  assert.ok(lines.includes('meta') && lines.includes('  task  n-back'), text);
  assert.doesNotMatch(text, /DOI|paper|empty/);
  const description = lines.filter((l) => l.includes('word'));
  assert.ok(description.length > 1 && description.every((l) => l.length <= 40), 'free text wraps at spaces');
});

test('30,000 rows: drawn in stacked blocks, no stack overflow, every row drawn', () => {
  const rows = Array.from({ length: 30_000 }, (_, i) => [String(i), `name ${i}`]);
  const text = renderTable(['id', 'name'], rows, { width: 80, color: false });
  assert.equal(text.split('\n').length, 30_001);
});
