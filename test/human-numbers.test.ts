import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counted, formatCount, formatPercent } from '../src/output/units.js';

test('one style for numbers, percentages and plurals on stderr', () => {
  assert.equal(formatCount(3007), '3,007');
  assert.equal(formatCount(12), '12');
  assert.equal(counted(1, 'image'), '1 image');
  assert.equal(counted(0, 'image'), '0 images');
  assert.equal(counted(3007, 'collection'), '3,007 collections');
  assert.equal(counted(2, 'index', 'indexes'), '2 indexes');
  assert.equal(formatPercent(2, 3), '66%');
  assert.equal(formatPercent(999, 1000), '99%', 'never 100% before the end');
  assert.equal(formatPercent(5, 5), '100%');
  assert.equal(formatPercent(0, 0), '0%');
});

test('counts are grouped exactly as en-US does, without loading ICU', () => {
  const values = [0, 1, -1, 7, 999, 1000, -1000, 1001, 99_999, 100_000, 123_456_789, -987_654_321, Number.MAX_SAFE_INTEGER, 2.5, 1234.5678];
  for (let n = 1; n < 1e15; n *= 7) values.push(n, n + 1, -n);
  for (const n of values) assert.equal(formatCount(n), n.toLocaleString('en-US'), String(n));
});
