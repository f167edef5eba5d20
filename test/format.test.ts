import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import type { OutputFormat } from '../src/cli/globals.js';
import { CliError } from '../src/errors.js';
import { cellText, getPath, writeObject, writeRecords } from '../src/output/format.js';
import type { IO } from '../src/output/io.js';

function sink(stdout: NodeJS.WritableStream = new PassThrough()): { io: IO; text: () => string } {
  const chunks: Buffer[] = [];
  stdout.on('data', (b: Buffer) => chunks.push(b));
  const io: IO = {
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    color: false,
  };
  return { io, text: () => Buffer.concat(chunks).toString('utf8') };
}

const opts = (format: OutputFormat, columns: string[] = [], color = false) => ({ format, columns, color });

const IMAGES = [
  { id: 1, name: 'tab\there', meta: { a: [1, 2] }, 'x.y': 'dotted', extra_user_key: null },
  { id: 2, name: 'line\nbreak \\ slash', meta: { a: [] }, 'x.y': 'd2', extra_user_key: 'kept' },
];

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((r) => setImmediate(r));
    yield item;
  }
}

test('json: one array written incrementally, every key kept in order', async () => {
  const { io, text } = sink();
  const n = await writeRecords(io, slowly(IMAGES), opts('json', ['id']));
  assert.equal(n, 2);
  assert.equal(text(), `[\n${JSON.stringify(IMAGES[0])},\n${JSON.stringify(IMAGES[1])}\n]\n`);
  assert.deepEqual(JSON.parse(text()), IMAGES);
});

test('json: empty list is "[]"', async () => {
  const { io, text } = sink();
  assert.equal(await writeRecords(io, [], opts('json')), 0);
  assert.equal(text(), '[]\n');
});

test('ndjson: one compact object per line', async () => {
  const { io, text } = sink();
  assert.equal(await writeRecords(io, IMAGES, opts('ndjson')), 2);
  assert.equal(text(), `${JSON.stringify(IMAGES[0])}\n${JSON.stringify(IMAGES[1])}\n`);
});

test('tsv: header, escapes, nested values as compact JSON, dotted paths', async () => {
  const { io, text } = sink();
  await writeRecords(io, IMAGES, opts('tsv', ['id', 'name', 'meta.a', 'meta.a.1', 'x.y', 'missing', 'extra_user_key']));
  assert.equal(
    text(),
    'id\tname\tmeta.a\tmeta.a.1\tx.y\tmissing\textra_user_key\n' +
      '1\ttab\\there\t[1,2]\t2\tdotted\t\t\n' +
      '2\tline\\nbreak \\\\ slash\t[]\t\td2\t\tkept\n',
  );
});

test('tsv: carriage return escaped, no truncation of long values', async () => {
  const { io, text } = sink();
  const long = 'x'.repeat(500);
  await writeRecords(io, [{ a: 'a\r\nb', b: long }], opts('tsv', ['a', 'b']));
  assert.equal(text(), `a\tb\na\\r\\nb\t${long}\n`);
});

test('csv: RFC 4180 quoting and CRLF', async () => {
  const { io, text } = sink();
  const rows = [{ a: 'plain', b: 'has,comma', c: 'say "hi"', d: 'two\nlines', e: { k: 'v,w' } }];
  await writeRecords(io, rows, opts('csv', ['a', 'b', 'c', 'd', 'e']));
  assert.equal(text(), 'a,b,c,d,e\r\nplain,"has,comma","say ""hi""","two\nlines","{""k"":""v,w""}"\r\n');
});

test('columns default to the first record\'s top-level keys', async () => {
  const { io, text } = sink();
  await writeRecords(io, [{ id: 7, ok: true, n: null }], opts('tsv'));
  assert.equal(text(), 'id\tok\tn\n7\ttrue\t\n');
});

for (const format of ['table', 'tsv', 'csv'] as const) {
  test(`${format}: empty list prints nothing, not even a header`, async () => {
    const { io, text } = sink();
    assert.equal(await writeRecords(io, slowly([]), opts(format, ['id'])), 0);
    assert.equal(text(), '');
  });
}

test('tsv/csv never carry ANSI or box characters, even with color on', async () => {
  for (const format of ['tsv', 'csv'] as const) {
    const { io, text } = sink();
    await writeRecords(io, IMAGES, opts(format, ['id', 'name'], true));
    assert.doesNotMatch(text(), /\u001b|[─│┌┐└┘├┤┬┴┼]/u);
  }
});

test('table: borderless aligned columns, no ANSI when color is false, fitted to the width, control chars escaped', async () => {
  const { io, text } = sink();
  io.width = 40;
  const n = await writeRecords(io, [{ id: 1, name: 'a'.repeat(80) }, { id: 22, name: 'x\ny\u001b[31m' }], opts('table', ['id', 'name']));
  assert.equal(n, 2);
  const out = text();
  assert.doesNotMatch(out, /\u001b/);
  assert.equal(out, `id  name\n1   ${'a'.repeat(35)}…\n22  x y\\x1b[31m\n`);
});

test('table: colours only when asked', async () => {
  const { io, text } = sink();
  await writeRecords(io, [{ id: 1 }], opts('table', ['id'], true));
  assert.match(text(), /\u001b\[1m/);
});

test('writeObject: json pretty with every key, ndjson one line', async () => {
  const obj = { id: 3, name: 'n', unknown_field: { deep: [1] }, 'user.key': 'v' };
  let s = sink();
  await writeObject(s.io, obj, opts('json', ['id']));
  assert.equal(s.text(), `${JSON.stringify(obj, null, 2)}\n`);
  s = sink();
  await writeObject(s.io, obj, opts('ndjson'));
  assert.equal(s.text(), `${JSON.stringify(obj)}\n`);
});

test('writeObject: tsv/csv header + one row; table is field/value rows', async () => {
  const obj = { id: 3, name: 'a,b', tags: ['x'] };
  let s = sink();
  await writeObject(s.io, obj, opts('tsv'));
  assert.equal(s.text(), 'id\tname\ttags\n3\ta,b\t["x"]\n');
  s = sink();
  await writeObject(s.io, obj, opts('csv', ['name', 'id']));
  assert.equal(s.text(), 'name,id\r\n"a,b",3\r\n');
  s = sink();
  await writeObject(s.io, obj, opts('table', ['id', 'name']));
  assert.equal(s.text(), 'id    3\nname  a,b\n');
});

test('getPath: nested, array index, dotted key tried whole, no prototype reach', () => {
  const obj = { a: { b: [{ c: 5 }] }, 'x.y': 1, x: { y: 2, 'p.q': 3 }, n: null };
  assert.equal(getPath(obj, 'a.b.0.c'), 5);
  assert.equal(getPath(obj, 'x.y'), 1);
  assert.equal(getPath(obj, 'x.p.q'), 3);
  assert.equal(getPath(obj, 'a.b.1.c'), undefined);
  assert.equal(getPath(obj, 'n.z'), undefined);
  assert.equal(getPath(obj, 'constructor'), undefined);
  assert.equal(getPath(obj, 'a.__proto__'), undefined);
  assert.equal(getPath(null, 'a'), undefined);
});

test('cellText', () => {
  assert.equal(cellText(null), '');
  assert.equal(cellText(undefined), '');
  assert.equal(cellText('s'), 's');
  assert.equal(cellText(1.5), '1.5');
  assert.equal(cellText(false), 'false');
  assert.equal(cellText({ a: [1, { b: null }] }), '{"a":[1,{"b":null}]}');
});

test('backpressure: waits for drain and keeps every line', async () => {
  let pending = 0;
  const got: string[] = [];
  const slow = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, cb) {
      pending++;
      setImmediate(() => {
        got.push(chunk.toString());
        pending--;
        cb();
      });
    },
  });
  const { io } = sink(slow);
  const many = Array.from({ length: 300 }, (_, i) => ({ i }));
  assert.equal(await writeRecords(io, many, opts('ndjson')), 300);
  assert.equal(pending, 0);
  assert.equal(got.join(''), many.map((r) => `${JSON.stringify(r)}\n`).join(''));
});

function closedPipe(after: number): Writable {
  let seen = 0;
  return new Writable({
    write(_chunk, _enc, cb) {
      if (++seen > after) cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      else cb();
    },
  });
}

test('EPIPE (| head) stops the stream quietly and reports what was written', async () => {
  const { io } = sink(closedPipe(3));
  let pulled = 0;
  function* endless() {
    for (;;) yield { i: pulled++ };
  }
  const n = await writeRecords(io, endless(), opts('ndjson'));
  assert.ok(n >= 3 && n < 10, `wrote ${n}`);
  assert.ok(pulled < 10);
  // Later writes to the dead pipe are dropped, not thrown.
  await writeObject(io, { a: 1 }, opts('json'));
  await new Promise((r) => setImmediate(r));
});

test('other write errors (a full disk) become a CliError', async () => {
  const full = new Writable({
    write(_chunk, _enc, cb) {
      cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    },
  });
  const { io } = sink(full);
  await assert.rejects(writeRecords(io, [{ a: 1 }], opts('ndjson')), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.match(err.message, /cannot write output: no space left/);
    return true;
  });
});

test('table: a long list is one aligned table', async () => {
  const { io, text } = sink();
  const many = Array.from({ length: 1203 }, (_, i) => ({ id: i, name: `n${i}` }));
  assert.equal(await writeRecords(io, many, opts('table', ['id', 'name'])), 1203);
  const lines = text().trimEnd().split('\n');
  assert.equal(lines.length, 1203 + 1);
  assert.equal(lines[0], 'id    name');
  assert.equal(lines[501], '500   n500');
});

test('writeObject: an empty object as a table prints nothing', async () => {
  const { io, text } = sink();
  await writeObject(io, {}, opts('table'));
  assert.equal(text(), '');
});
