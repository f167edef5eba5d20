import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeDoi, parseCollectionRef, parseDoi, parseImageRef, tryCollectionRef } from '../src/api/refs.js';
import { UsageError } from '../src/errors.js';

test('DOI forms normalise to one lower-case key', () => {
  const want = '10.1016/j.neurobiolaging.2012.11.002';
  for (const form of [
    '10.1016/j.neurobiolaging.2012.11.002',
    'doi:10.1016/j.neurobiolaging.2012.11.002',
    'DOI: 10.1016/J.NEUROBIOLAGING.2012.11.002',
    'https://doi.org/10.1016/j.neurobiolaging.2012.11.002',
    'http://dx.doi.org/10.1016/j.neurobiolaging.2012.11.002',
    'https://doi.org/10.1016%2Fj.neurobiolaging.2012.11.002',
    '  10.1016/J.Neurobiolaging.2012.11.002 ',
  ]) {
    assert.equal(normalizeDoi(form), want, form);
  }
  for (const bad of ['', '10.1/x', 'neurobiolaging', '11.1016/x', 'https://example.org/10.1016/x']) {
    assert.equal(normalizeDoi(bad), undefined, bad);
    assert.throws(() => parseDoi(bad), (e: unknown) => e instanceof UsageError && e.exitCode === 2);
  }
});

test('collection refs: id, private token, URLs', () => {
  assert.deepEqual(parseCollectionRef('1615'), { kind: 'id', id: 1615 });
  assert.deepEqual(parseCollectionRef('ABCDEFGH'), { kind: 'token', token: 'ABCDEFGH' });
  assert.deepEqual(parseCollectionRef('https://neurovault.org/collections/1615/'), { kind: 'id', id: 1615 });
  assert.deepEqual(parseCollectionRef('https://neurovault.org/collections/ABCDEFGH'), { kind: 'token', token: 'ABCDEFGH' });
  assert.deepEqual(parseCollectionRef('https://neurovault.org/api/collections/12/'), { kind: 'id', id: 12 });
  for (const bad of ['abc', '0', '-1', '12a', 'abcdefgh', 'ABCDEFG', '../1', 'https://neurovault.org/images/1/']) {
    assert.equal(tryCollectionRef(bad), undefined, bad);
    assert.throws(() => parseCollectionRef(bad), UsageError);
  }
});

test('image refs: id, TOKEN-id, URLs', () => {
  assert.deepEqual(parseImageRef('396069'), { kind: 'id', id: 396069 });
  assert.deepEqual(parseImageRef('ABCDEFGH-12'), { kind: 'token', token: 'ABCDEFGH', id: 12 });
  assert.deepEqual(parseImageRef('https://neurovault.org/images/396069/'), { kind: 'id', id: 396069 });
  assert.deepEqual(parseImageRef('https://neurovault.org/collections/ABCDEFGH/images/7/'), {
    kind: 'token',
    token: 'ABCDEFGH',
    id: 7,
  });
  for (const bad of ['x', 'abcdefgh-1', '1.5', 'https://neurovault.org/collections/1/']) {
    assert.throws(() => parseImageRef(bad), UsageError);
  }
});
