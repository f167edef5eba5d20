// The CLI against a hostile NeuroVault (issue 9, API side): each test starts test/hostile/server.ts with one
// misbehaviour and checks the CLI's exit code, a one-line error, a bounded number of requests, no secret and
// no raw control character on the terminal.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Transport } from '../src/http/transport.js';
import { DeadlineError } from '../src/http/errors.js';
import { startHostile, type HostileHandler, type HostileServer } from './hostile/server.js';
import { startRaw } from './hostile/raw.js';
import { runCli } from './helpers/run-cli.js';
import { DoiIndexBuilder, indexFile } from '../src/api/doi-index.js';
import {
  SECRET,
  assertSafeOutput,
  collectionRow,
  errorLines,
  imageRow,
  page,
  runAgainst,
  selfUrl,
  sendJson,
} from './hostile/neurovault.js';

const servers: HostileServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function hostile(handler: HostileHandler, opts?: { maxRequests?: number }): Promise<HostileServer> {
  const srv = await startHostile(handler, opts);
  servers.push(srv);
  return srv;
}

/** Echoes the request's own Authorization header in a server error, like a debug page would. */
function echoAuth(status: number, shape: 'json' | 'html' | 'text'): HostileHandler {
  return (req, res) => {
    const auth = String(req.headers.authorization);
    if (shape === 'json') return sendJson(res, { detail: `rejected request with Authorization: ${auth}` }, status);
    const body = shape === 'html' ? `<html><head><title>Error: ${auth}</title></head></html>` : `headers: Authorization: ${auth}\n`;
    res.writeHead(status, { 'Content-Type': shape === 'html' ? 'text/html' : 'text/plain' });
    res.end(body);
  };
}

describe('hostile server: secrets (case 8)', () => {
  for (const shape of ['json', 'html', 'text'] as const) {
    for (const verbose of [false, true]) {
      test(`a ${shape} error body echoing Authorization is redacted${verbose ? ' (-v)' : ''}`, async () => {
        const srv = await hostile(echoAuth(500, shape));
        const r = await runAgainst(srv, ['collections', 'get', '1', '--retries', '0', ...(verbose ? ['-v'] : [])]);
        assert.equal(srv.requests[0]?.headers.authorization, `Token ${SECRET}`, 'the token was sent (so it could be echoed)');
        assert.equal(r.code, 1, r.stderr);
        assertSafeOutput(r, assert);
        assert.match(r.stderr, /neurovault: GET .*: 500/);
      });
    }
  }

  test('a token reflected into the data is redacted on stdout too', async () => {
    const srv = await hostile((req, res) => sendJson(res, collectionRow(1, { name: `owner ${String(req.headers.authorization)}` })));
    for (const format of ['json', 'tsv', 'table']) {
      const r = await runAgainst(srv, ['collections', 'get', '1', '-o', format]);
      assert.equal(r.code, 0, r.stderr);
      assertSafeOutput(r, assert);
      assert.match(r.stdout, /owner Token \*\*\*/);
    }
  });

  test('a 401 echoing the token is redacted and still exits 3', async () => {
    const srv = await hostile(echoAuth(401, 'json'));
    const r = await runAgainst(srv, ['collections', 'get', '1']);
    assert.equal(r.code, 3, r.stderr);
    assertSafeOutput(r, assert);
  });
});

describe('hostile server: terminal safety (case 9)', () => {
  const nasty = 'first line\nsecond\r\u001b[2J\u001b]0;pwned\u0007 NUL:\u0000 C1:\u009b31m end';

  test('control characters in an error detail are escaped, on one line', async () => {
    const srv = await hostile((_q, res) => sendJson(res, { detail: nasty }, 500));
    const r = await runAgainst(srv, ['collections', 'get', '1', '--retries', '0']);
    assert.equal(r.code, 1);
    assertSafeOutput(r, assert);
    const lines = errorLines(r);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /first line second \\x1b\[2J\\x1b\]0;pwned\\x07 NUL:\\x00 C1:\\x9b31m end/);
  });

  const oversized: [string, HostileHandler, number][] = [
    [
      'a 60 KB <title>',
      (_q, res) => {
        res.writeHead(502, { 'Content-Type': 'text/html' });
        res.end(`<html><title>${'A'.repeat(60_000)}</title></html>`);
      },
      1,
    ],
    [
      'a 10 MB error body',
      (_q, res) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        const chunk = Buffer.alloc(1 << 20, 'x\n');
        let left = 10;
        const pump = () => {
          while (left-- > 0) if (!res.write(chunk)) return void res.once('drain', pump);
          res.end();
        };
        pump();
      },
      1,
    ],
    ['a 60 KB JSON detail', (_q, res) => sendJson(res, { detail: `${'B'.repeat(60_000)}\u001b[2J` }, 500), 1],
    [
      'a 400 naming 500 fields',
      (_q, res) => sendJson(res, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`field${i}`, [`bad\n${'v'.repeat(50)}`]])), 400),
      2,
    ],
  ];
  for (const [what, handler, code] of oversized) {
    test(`${what} is printed as one short line (exit ${code})`, async () => {
      const srv = await hostile(handler);
      const r = await runAgainst(srv, ['collections', 'get', '1', '--retries', '0']);
      assert.equal(r.code, code, r.stderr);
      assertSafeOutput(r, assert);
      assert.equal(errorLines(r).length, 1, r.stderr);
      assert.ok(r.stderr.length < 400, `stderr is ${r.stderr.length} characters`);
    });
  }

  test('a DOI with %00 is never echoed with a raw NUL', async () => {
    const srv = await hostile((_q, res) => sendJson(res, page([], 0)));
    const r = await runAgainst(srv, ['collections', 'list', '--doi', '10.1234/ab%00%1b[2Jcd', '--no-cache']);
    assert.equal(r.code, 4, r.stderr);
    assertSafeOutput(r, assert);
    assert.match(r.stderr, /10\.1234\/ab\\x00\\x1b\[2jcd/);
  });

  test('table output escapes control characters from server fields; json keeps them exactly', async () => {
    const srv = await hostile((_q, res) => sendJson(res, collectionRow(1, { name: 'evil\u001b]0;title\u0007\u001b[2Jname\r\n' })));
    const table = await runAgainst(srv, ['collections', 'get', '1', '-o', 'table', '--columns', 'id,name']);
    assert.equal(table.code, 0, table.stderr);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(table.stdout), JSON.stringify(table.stdout));
    assert.match(table.stdout, /evil\\x1b\]0;title\\x07\\x1b\[2Jname/);
    const json = await runAgainst(srv, ['collections', 'get', '1', '-o', 'json']);
    assert.equal((JSON.parse(json.stdout) as { name: string }).name, 'evil\u001b]0;title\u0007\u001b[2Jname\r\n');
  });
});

describe('hostile server: paging that never ends (case 10)', () => {
  test('a next link pointing at the same page stops at once (collections list)', async () => {
    const srv = await hostile((req, res) => sendJson(res, page([collectionRow(1)], 5, selfUrl(srv, req))));
    const r = await runAgainst(srv, ['collections', 'list', '--all', '-o', 'ndjson']);
    assert.equal(r.code, 1, r.stderr);
    assertSafeOutput(r, assert);
    assert.ok(!srv.capped && srv.requests.length <= 2, `${srv.requests.length} requests`);
    assert.match(r.stderr, /already fetched|loop/);
  });

  test('empty pages with a next link stop at the first empty page (images list)', async () => {
    let offset = 0;
    const srv = await hostile((_q, res) => {
      offset += 100;
      sendJson(res, page([], 50, `${srv.url}/api/images/?limit=100&offset=${offset}`));
    });
    const r = await runAgainst(srv, ['images', 'list', '--all']);
    assert.equal(r.code, 1, r.stderr);
    assertSafeOutput(r, assert);
    assert.ok(!srv.capped && srv.requests.length <= 2, `${srv.requests.length} requests`);
  });

  test('fresh next links with repeated rows are bounded by count (collections list)', async () => {
    let offset = 0;
    const srv = await hostile((_q, res) => {
      offset += 1000;
      sendJson(res, page([collectionRow(1), collectionRow(2)], 2, `${srv.url}/api/collections/?limit=1000&offset=${offset}`));
    });
    const r = await runAgainst(srv, ['collections', 'list', '--all', '-o', 'ndjson']);
    assert.equal(r.code, 1, r.stderr);
    assertSafeOutput(r, assert);
    assert.ok(!srv.capped && srv.requests.length <= 10, `${srv.requests.length} requests`);
    assert.equal(r.stdout.trim().split('\n').length, 2, 'the rows before the loop are still printed');
  });

  test("download's listing of a collection stops on a looping next link", async () => {
    const out = mkdtempSync(join(tmpdir(), 'nv-hostile-'));
    try {
      const srv = await hostile((req, res) => {
        if (/\/images\//.test(req.url ?? '')) return sendJson(res, page([imageRow(10)], 3, selfUrl(srv, req)));
        return sendJson(res, collectionRow(1));
      });
      const r = await runAgainst(srv, ['download', '1', '--out', out, '--dry-run']);
      assert.equal(r.code, 1, r.stderr);
      assertSafeOutput(r, assert);
      assert.ok(!srv.capped && srv.requests.length <= 4, `${srv.requests.length} requests`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('hostile server: absurd counts in a DOI scan (case 11)', () => {
  // The server ignores ?DOI= (foreign DOIs come back), so the client scans by offsets from `count`.
  const scanServer = (count: number, rowsAfterFirst: boolean) =>
    hostile((req, res) => {
      const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset') ?? 0);
      const rows = offset === 0 || rowsAfterFirst ? [collectionRow(offset + 1, { DOI: '10.9999/other' })] : [];
      sendJson(res, page(rows, count, null));
    });

  for (const count of [2 ** 53 - 1, 2e7, -1, 1.5]) {
    test(`count ${count} is refused as a broken answer`, async () => {
      const srv = await scanServer(count, true);
      const r = await runAgainst(srv, ['collections', 'list', '--doi', '10.1234/x', '--no-cache']);
      assert.equal(r.code, 1, r.stderr);
      assertSafeOutput(r, assert);
      assert.equal(errorLines(r).length, 1, r.stderr);
      assert.match(r.stderr, /count/);
      assert.ok(srv.requests.length <= 4, `${srv.requests.length} requests`);
    });
  }

  test('a plausible count with empty pages stops at the first empty page', async () => {
    const srv = await scanServer(900_000, false);
    const r = await runAgainst(srv, ['collections', 'list', '--doi', '10.1234/x', '--no-cache']);
    assert.equal(r.code, 1, r.stderr);
    assertSafeOutput(r, assert);
    assert.ok(srv.requests.length <= 16, `${srv.requests.length} requests`);
    assert.match(r.stderr, /empty page/);
  });
});

describe('hostile server: deadlines and timeouts (case 14)', () => {
  test('a body trickled one byte at a time ends at the total deadline', async () => {
    const srv = await hostile((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"id": 1, "name": "');
      const timer = setInterval(() => res.write('a'), 100);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const r = await runAgainst(srv, ['collections', 'get', '1', '--timeout', '0.5']);
    assert.equal(r.code, 1, r.stderr);
    assertSafeOutput(r, assert);
    assert.match(r.stderr, /deadline|within/);
    assert.ok(Date.now() - started < 15_000);
    assert.equal(srv.requests.length, 1, 'a missed deadline is not retried');
  });

  for (const t of ['0.0001', '0', '1e9']) {
    test(`--timeout ${t} is refused before any request (exit 2)`, async () => {
      const srv = await hostile((_q, res) => sendJson(res, collectionRow(1)));
      const r = await runAgainst(srv, ['collections', 'get', '1', '--timeout', t]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(srv.requests.length, 0);
      assert.match(r.stderr, /--timeout/);
    });
  }
});

describe('hostile server: Retry-After (case 15)', () => {
  for (const status of [503, 429]) {
    test(`${status} with Retry-After: 999999 fails at once`, async () => {
      const srv = await hostile((_q, res) => sendJson(res, { detail: 'busy' }, status, { 'Retry-After': '999999' }));
      const r = await runAgainst(srv, ['collections', 'get', '1']);
      assert.equal(r.code, 1, r.stderr);
      assertSafeOutput(r, assert);
      assert.equal(srv.requests.length, 1);
      assert.match(r.stderr, /server asked to retry after 999999 s/);
    });
  }

  test('the download engine follows the same cap for file requests', async () => {
    const out = mkdtempSync(join(tmpdir(), 'nv-hostile-'));
    try {
      const srv = await hostile((req, res) => {
        const path = req.url ?? '';
        if (path.startsWith('/media/')) return sendJson(res, { detail: 'busy' }, 503, { 'Retry-After': '999999' });
        if (/\/images\//.test(path)) return sendJson(res, page([imageRow(10, 1, { file: `${srv.url}/media/images/1/map_10.nii.gz` })], 1));
        return sendJson(res, collectionRow(1));
      });
      const r = await runAgainst(srv, ['download', '1', '--out', out]);
      assert.equal(r.code, 1, r.stderr);
      assertSafeOutput(r, assert);
      assert.match(r.stderr, /server asked to retry after 999999 s/);
      assert.equal(srv.requests.filter((q) => q.path.startsWith('/media/')).length, 1);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('transport: the whole-request deadline', () => {
  test('an upload slower than the deadline is not cut: with a request body the deadline starts at the answer', async () => {
    const srv = await hostile((_q, res, body) => sendJson(res, { received: body.length }, 201));
    const transport = new Transport({ baseUrl: srv.url, userAgent: 'test', timeoutMs: 200, retries: 0 });
    try {
      async function* slowBody() {
        for (let i = 0; i < 12; i++) {
          await sleep(100);
          yield Buffer.alloc(10, 1);
        }
      }
      // 1.2 s of sending against a deadline of 4 × 200 ms: only the answer is bounded.
      const answer = await transport.json({ method: 'POST', url: `${srv.url}/api/upload/`, body: () => slowBody() });
      assert.deepEqual(answer, { received: 120 });
    } finally {
      await transport.close();
    }
  });

  test('a GET answered too slowly in total fails with DeadlineError, without a retry', async () => {
    const srv = await hostile((_q, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const transport = new Transport({ baseUrl: srv.url, userAgent: 'test', timeoutMs: 100, retries: 3 });
    try {
      await assert.rejects(transport.json({ method: 'GET', url: `${srv.url}/api/x/` }), DeadlineError);
      assert.equal(srv.requests.length, 1);
    } finally {
      await transport.close();
    }
  });
});

describe('hostile server: JSON nested 4,000 deep (case 17)', () => {
  const deep = `${'['.repeat(4000)}1${']'.repeat(4000)}`;
  const body = JSON.stringify(collectionRow(1)).replace(/}$/, `,"extra":${deep}}`);
  const pageBody = `{"count":1,"next":null,"previous":null,"results":[${body}]}`;
  for (const args of [
    ['collections', 'get', '1', '-o', 'json'],
    ['collections', 'get', '1', '--columns', 'id,extra'],
    ['collections', 'get', '1'],
    ['collections', 'list', '-o', 'json'],
  ]) {
    test(`${args.join(' ')}: a shape error, not a stack overflow`, async () => {
      const srv = await hostile((req, res) => sendJson(res, /\/collections\/\?/.test(req.url ?? '') ? pageBody : body));
      const r = await runAgainst(srv, args);
      assert.equal(r.code, 1, r.stderr);
      assertSafeOutput(r, assert);
      assert.equal(errorLines(r).length, 1, r.stderr);
      assert.match(r.stderr, /unexpected response .*nested/);
    });
  }
});

describe('hostile server: odd numbers in rows (case 19)', () => {
  test('file_size null, negative or huge and a negative id keep the listing', async () => {
    const rows = [
      imageRow(1, 1, { file_size: null }),
      imageRow(2, 1, { file_size: -5 }),
      imageRow(3, 1, { file_size: 1e300 }),
      imageRow(-4, 1),
      collectionRow(5, { number_of_images: null, image_type: 'atlas', file: null, file_size: 2.5 }),
    ];
    const srv = await hostile((_q, res) => sendJson(res, page(rows, rows.length)));
    const r = await runAgainst(srv, ['images', 'list', '--collection', '1', '-o', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    assertSafeOutput(r, assert);
    assert.deepEqual(
      r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id),
      [1, 2, 3, -4, 5],
    );
  });
});

describe('hostile server: Ctrl-C during a long listing', () => {
  test('SIGINT ends an endless-but-plausible listing within a second, exit 130', async () => {
    let offset = 0;
    let sigintAt = 0;
    let child: import('node:child_process').ChildProcess | undefined;
    const srv = await hostile(
      (_q, res) => {
        const rows = Array.from({ length: 1000 }, (_, i) => imageRow(offset + i + 1));
        offset += 1000;
        sendJson(res, page(rows, 9_000_000, `${srv.url}/api/images/?limit=1000&offset=${offset}`));
        if (offset === 5000 && child) {
          sigintAt = Date.now();
          child.kill('SIGINT');
        }
      },
      { maxRequests: 2000 },
    );
    const r = await runAgainst(srv, ['images', 'list', '--all', '-o', 'ndjson'], { onSpawn: (c) => (child = c) });
    const took = Date.now() - sigintAt;
    process.stderr.write(`# SIGINT to exit: ${took} ms\n`);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(sigintAt > 0);
    assert.ok(took < 1000, `exited ${took} ms after SIGINT`);
    assertSafeOutput(r, assert);
  });
});

describe('the sanitiser and the redaction funnel (units)', () => {
  test('terminalLine: folds, escapes C0/C1/bidi, cuts by code point, redacts before cutting', async () => {
    const { terminalLine, MAX_QUOTED, quoted } = await import('../src/util/terminal-text.js');
    const { rememberSecret } = await import('../src/http/redact.js');
    assert.equal(terminalLine('a\r\nb\tc\u001b[2J\u0007\u0000\u009b\u202e'), 'a b c\\x1b[2J\\x07\\x00\\x9b\\u202e');
    assert.equal(terminalLine('😀'.repeat(10), 5), `${'😀'.repeat(4)}…`);
    assert.equal(terminalLine('😀'.repeat(5), 5), '😀'.repeat(5));
    rememberSecret('0123456789abcdef-unit-secret');
    // The secret straddles the cut: without redaction first, its first half would be shown.
    assert.equal(terminalLine(`${'x'.repeat(10)}0123456789abcdef-unit-secret`, 16), `${'x'.repeat(10)}***`);
    assert.equal(terminalLine('echo: Authorization: Bearer abc.def'), 'echo: Authorization: ***');
    assert.ok(quoted('y'.repeat(10_000)).length <= MAX_QUOTED);
  });

  test('nestedDeeperThan is iterative: a million levels neither overflow nor pass', async () => {
    const { nestedDeeperThan } = await import('../src/http/json-depth.js');
    let deep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assert.equal(nestedDeeperThan(deep), true);
    assert.equal(nestedDeeperThan({ a: [{ b: { c: [1, 2, { d: null }] } }] }), false);
  });
});

describe('hostile server: 1xx interim answers (issue 16, item 5)', () => {
  for (const kind of ['103 Early Hints', '102 Processing', '103 then 102']) {
    test(`${kind} before a gzip JSON answer is skipped`, async () => {
      const srv = await hostile((_q, res) => {
        if (kind.startsWith('103')) res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
        if (kind.includes('102')) res.writeProcessing();
        const gz = gzipSync(JSON.stringify(collectionRow(1, { name: 'after the hints' })));
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(gz.length) });
        res.end(gz);
      });
      const r = await runAgainst(srv, ['collections', 'get', '1', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      assertSafeOutput(r, assert);
      assert.equal(JSON.parse(r.stdout).name, 'after the hints');
      assert.equal(srv.requests.length, 1, 'answered at the first attempt');
    });
  }
});

describe('hostile server: broken HTTP and broken gzip (issue 16, item 6)', () => {
  const json = JSON.stringify(collectionRow(1));
  const chunked = (size: string) =>
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n${json}\r\n0\r\n\r\n`;
  const cases: [string, () => string][] = [
    ['a chunk size "zz"', () => chunked('zz')],
    ['a chunk size "-5"', () => chunked('-5')],
    ['a chunk size of 20 hex digits', () => chunked('f'.repeat(20))],
    [
      'Content-Encoding: gzip on a body that is not gzip',
      () => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
    ],
  ];
  for (const [what, answer] of cases) {
    test(`${what}: one line "broken response", exit 1, retried`, async () => {
      const srv = await startRaw(answer);
      try {
        const r = await runCli(['--base-url', srv.url, '--retries', '2', 'collections', 'get', '1'], { timeoutMs: 20_000, env: { NEUROVAULT_TOKEN: SECRET } });
        assert.equal(r.code, 1, r.stderr);
        assertSafeOutput(r, assert);
        const lines = errorLines(r);
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0]!, /^neurovault: GET http:\/\/127\.0\.0\.1:\d+\/api\/collections\/1\/: the server sent a broken response \(.+\)$/);
        assert.equal(srv.requests.length, 3, 'a broken answer is retried like a reset connection');
      } finally {
        await srv.close();
      }
    });
  }
});

describe('hostile cache: the DOI index is checked like an answer (issue 16, item 7)', () => {
  const DOI = '10.1234/cached';
  const good = collectionRow(5, { DOI, name: 'from the server' });
  /** A server that honours ?DOI= and knows one collection. */
  const doiServer = () =>
    hostile((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/api/collections/') {
        const hit = url.searchParams.get('DOI') === DOI && !url.searchParams.get('offset');
        return sendJson(res, page(hit ? [good] : [], hit ? 1 : 0));
      }
      sendJson(res, { detail: 'Not found.' }, 404);
    });
  /** An index that files `record` under DOI, whatever the record says. */
  async function poison(cache: string, baseUrl: string, record: Record<string, unknown>): Promise<void> {
    const file = indexFile(join(cache, 'neurovault-cli'), baseUrl);
    await mkdir(dirname(file), { recursive: true });
    const index = new DoiIndexBuilder<Record<string, unknown>>(() => [DOI]);
    index.add([record]);
    await writeFile(file, Buffer.concat(index.encode(baseUrl)));
  }
  const poisons: [string, Record<string, unknown>][] = [
    ['an id that is a shell command', collectionRow(2, { id: '2; rm -rf ~', DOI })],
    ['a record with another DOI', collectionRow(3, { DOI: '10.9999/other', name: 'not this one' })],
    ['an id that is a path', collectionRow(4, { id: '../../../../PWNED', DOI })],
  ];
  for (const [what, record] of poisons) {
    test(`${what}: ignored with one notice, the server answers, the next run has no notice`, async () => {
      const srv = await doiServer();
      const cache = mkdtempSync(join(tmpdir(), 'nv-doi-cache-'));
      try {
        await poison(cache, srv.url, record);
        const env = { XDG_CACHE_HOME: cache };
        const r = await runAgainst(srv, ['collections', 'list', '--doi', DOI, '-o', 'json'], { env });
        assert.equal(r.code, 0, r.stderr);
        assertSafeOutput(r, assert);
        assert.deepEqual(JSON.parse(r.stdout).map((c: { id: unknown }) => c.id), [5]);
        assert.equal(r.stderr.match(/cached collection index was damaged/g)?.length, 1, r.stderr);
        const again = await runAgainst(srv, ['collections', 'list', '--doi', DOI, '-o', 'json'], { env });
        assert.equal(again.code, 0, again.stderr);
        assert.doesNotMatch(again.stderr, /damaged/);
        const dl = await runAgainst(srv, ['download', DOI, '--out', join(cache, 'dl'), '--no-progress'], { env: { XDG_CACHE_HOME: cache } });
        assertSafeOutput(dl, assert);
        assert.ok(!srv.requests.some((q) => q.path.includes('PWNED') || q.path.includes('rm')), srv.requests.map((q) => q.path).join(' '));
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    });
  }
});

describe('hostile server: auth login through a redirect (issue 16, item 8)', () => {
  test("a redirect to another host is not a confirmation: exit 3, nothing saved, the token never sent there", async () => {
    const elsewhere = await hostile((_q, res) => sendJson(res, { id: 7, username: 'anonymous-elsewhere' }));
    const srv = await hostile((_q, res) => {
      res.writeHead(302, { Location: `${elsewhere.url}/api/user/` });
      res.end();
    });
    const config = mkdtempSync(join(tmpdir(), 'nv-auth-redirect-'));
    try {
      const r = await runCli(['--base-url', srv.url, 'auth', 'login', '--with-token'], {
        input: `${SECRET}\n`,
        timeoutMs: 20_000,
        env: { XDG_CONFIG_HOME: config },
      });
      assert.equal(r.code, 3, r.stderr);
      assertSafeOutput(r, assert);
      assert.match(r.stderr, /not confirmed.*redirected to http:\/\/127\.0\.0\.1:\d+\/api\/user\/, another server/);
      assert.doesNotMatch(r.stderr + r.stdout, /Logged in|token saved/);
      assert.equal(srv.requests[0]?.headers.authorization, `Token ${SECRET}`);
      assert.ok(elsewhere.requests.every((q) => q.headers.authorization === undefined), 'the token went to the other host');
      assert.deepEqual(readdirSync(config), [], 'a config was written');
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});
