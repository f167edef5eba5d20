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
