import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/errors.js';
import { collectionFields, isNullLike, matchesWhere, parseWhere } from '../src/filter/where.js';

const match = (record: object, ...exprs: string[]) => matchesWhere(record, parseWhere(exprs));

const IMG = {
  id: 42,
  name: '  Working Memory  ',
  map_type: 'T map',
  number_of_subjects: '21',
  smoothness_fwhm: 8.0,
  is_valid: true,
  not_mni: false,
  cognitive_paradigm_cogatlas: 'None / Other',
  analysis_level: null,
  modality: '',
  contrast_definition: 'N/A',
  tags: ['motor', 'Visual'],
  empty_list: [],
  collection: { name: 'Nested Coll', id: 7 },
  'user.key': 'dotted',
};

test('operator precedence: first operator position, longest first', () => {
  const [ge, eqInValue, regexWithEq, ne, lt, le] = parseWhere(['a>=3', 'name=a=b', 'x~a=b', 'f!=v', 'n<2', 'n<=2']);
  assert.deepEqual([ge?.field, ge?.op, ge?.value], ['a', '>=', '3']);
  assert.deepEqual([eqInValue?.field, eqInValue?.op, eqInValue?.value], ['name', '=', 'a=b']);
  assert.deepEqual([regexWithEq?.field, regexWithEq?.op, regexWithEq?.value], ['x', '~', 'a=b']);
  assert.equal(regexWithEq?.regex?.source, 'a=b');
  assert.deepEqual([ne?.op, lt?.op, le?.op], ['!=', '<', '<=']);
  assert.equal(parseWhere(['a!b=c'])[0]?.field, 'a!b'); // a lone "!" is not an operator
  assert.equal(parseWhere([' name = x'])[0]?.field, 'name');
});

test('precompiled parts', () => {
  const [num, nul, re] = parseWhere(['a=3.5', 'b!=NULL', 'c~^x']);
  assert.equal(num?.num, 3.5);
  assert.equal(num?.isNullTest, false);
  assert.equal(nul?.isNullTest, true);
  assert.equal(re?.regex?.flags, 'i');
  assert.equal(parseWhere(['a=3'])[0]?.raw, 'a=3');
});

test('usage errors name the expression and the reason, exit 2', () => {
  const cases: [string, RegExp][] = [
    ['name', /invalid --where "name": no operator/],
    ['=3', /invalid --where "=3": no field name before "="/],
    [' ~x', /no field name before "~"/],
    ['name~(unclosed', /invalid --where "name~\(unclosed": bad regular expression/],
    ['n>abc', /invalid --where "n>abc": ">" needs a number, got "abc"/],
    ['n<=', /"<=" needs a number/],
    ['n<0x10', /"<" needs a number/],
  ];
  for (const [expr, message] of cases) {
    assert.throws(
      () => parseWhere(['ok=1', expr]),
      (err: unknown) => err instanceof UsageError && err.exitCode === 2 && message.test(err.message) && Boolean(err.hint),
      expr,
    );
  }
});

test('= and != on strings: case-insensitive, trimmed', () => {
  assert.ok(match(IMG, 'name=working memory'));
  assert.ok(match(IMG, 'name= WORKING MEMORY '));
  assert.ok(!match(IMG, 'name=working'));
  assert.ok(match(IMG, 'name!=working'));
  assert.ok(!match(IMG, 'name!=Working Memory'));
  assert.ok(match(IMG, 'map_type=t MAP'));
});

test('= compares numbers as numbers', () => {
  assert.ok(match(IMG, 'id=42'));
  assert.ok(match(IMG, 'id=42.0'));
  assert.ok(match(IMG, 'number_of_subjects=21.0')); // numeric string in the record
  assert.ok(match(IMG, 'smoothness_fwhm=8'));
  assert.ok(!match(IMG, 'id=4'));
  assert.ok(match(IMG, 'id!=43'));
  assert.ok(!match(IMG, 'id!=42.00'));
  assert.ok(!match({ v: 'abc' }, 'v=0'));
});

test('= compares booleans with true/false', () => {
  assert.ok(match(IMG, 'is_valid=true'));
  assert.ok(match(IMG, 'is_valid=TRUE'));
  assert.ok(match(IMG, 'not_mni=false'));
  assert.ok(!match(IMG, 'is_valid=false'));
  assert.ok(match(IMG, 'not_mni!=true'));
  assert.ok(match({ flag: 'True' }, 'flag=true'));
});

test('> >= < <= need numbers on both sides', () => {
  assert.ok(match(IMG, 'id>41', 'id>=42', 'id<43', 'id<=42'));
  assert.ok(!match(IMG, 'id>42'));
  assert.ok(!match(IMG, 'id<42'));
  assert.ok(match(IMG, 'number_of_subjects>20', 'number_of_subjects<=21'));
  assert.ok(match(IMG, 'smoothness_fwhm>=7.5'));
  assert.ok(match({ v: -1 }, 'v<-0.5'));
  assert.ok(!match(IMG, 'name>0'), 'a non-number never matches');
  assert.ok(!match(IMG, 'is_valid>0'), 'a boolean is not a number');
  assert.ok(!match(IMG, 'missing<1'));
  assert.ok(!match(IMG, 'analysis_level<1'));
});

test('~ is a case-insensitive regex on the cell text', () => {
  assert.ok(match(IMG, 'name~memory'));
  assert.ok(match(IMG, 'name~^\\s*work'));
  assert.ok(!match(IMG, 'name~^work'));
  assert.ok(match(IMG, 'id~^4\\d$'));
  assert.ok(match(IMG, 'collection~"name":"nested'));
  assert.ok(!match(IMG, 'missing~.*'), 'null never matches a regex');
  assert.ok(match({ eq: 'x=y' }, 'eq~x=y'));
});

test('isNullLike', () => {
  for (const v of [undefined, null, '', '  ', 'None', 'none', ' None / Other ', 'N/A', 'n/a', 'null', 'NULL']) {
    assert.ok(isNullLike(v), JSON.stringify(v));
  }
  for (const v of [0, false, 'no', 'Nonetheless', [], {}]) assert.ok(!isNullLike(v), JSON.stringify(v));
});

test('missing fields and null-like strings are null', () => {
  for (const f of ['missing', 'analysis_level', 'modality', 'cognitive_paradigm_cogatlas', 'contrast_definition', 'empty_list']) {
    assert.ok(match(IMG, `${f}=null`), `${f}=null`);
    assert.ok(!match(IMG, `${f}!=null`), `${f}!=null`);
    // A value the field could hold (fields with a known choice table refuse others: field-check.test.ts).
    const x = f === 'analysis_level' ? 'group' : f === 'modality' ? 'MEG' : 'x';
    assert.ok(match(IMG, `${f}!=${x}`), `${f}!=${x}`);
    assert.ok(!match(IMG, `${f}=${x}`), `${f}=${x}`);
    assert.ok(match(IMG, `${f}=None`), `${f}=None is a null test too`);
  }
  assert.ok(match(IMG, 'name!=null'));
  assert.ok(!match(IMG, 'name=null'));
  assert.ok(match(IMG, 'id!=NULL'));
  assert.ok(match(IMG, 'modality='), 'an empty value tests for null');
});

test('arrays: = matches any element, != none', () => {
  assert.ok(match(IMG, 'tags=visual'));
  assert.ok(match(IMG, 'tags=MOTOR'));
  assert.ok(!match(IMG, 'tags=auditory'));
  assert.ok(match(IMG, 'tags!=auditory'));
  assert.ok(!match(IMG, 'tags!=motor'));
  assert.ok(match(IMG, 'tags~^vis'));
  assert.ok(match({ n: [1, 5] }, 'n>4'));
  assert.ok(match(IMG, 'tags!=null'));
});

test('dotted paths and dotted keys', () => {
  assert.ok(match(IMG, 'collection.name=nested coll'));
  assert.ok(match(IMG, 'collection.id>=7'));
  assert.ok(match(IMG, 'user.key=DOTTED'));
  assert.ok(match(IMG, 'tags.0=motor'));
});

test('several clauses are ANDed; none means everything', () => {
  assert.ok(match(IMG, 'id=42', 'name~memory'));
  assert.ok(!match(IMG, 'id=42', 'name~nope'));
  assert.ok(matchesWhere(IMG, []));
});

test('collection.* fields are read from the collection when one is given', () => {
  const clauses = parseWhere(['collection.name~^real', 'id=42']);
  assert.equal(collectionFields(clauses), true);
  assert.equal(collectionFields(parseWhere(['collection_id=1', 'name=x'])), false);
  assert.ok(matchesWhere(IMG, clauses, { name: 'Real Collection', id: 99 }));
  assert.ok(!matchesWhere(IMG, clauses, { name: 'Other' }));
  assert.ok(!matchesWhere(IMG, clauses), 'without a collection the record\'s own nested collection is read');
});
