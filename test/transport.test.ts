import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transport } from '../src/http/transport.js';
import { HttpError, NetworkError } from '../src/http/errors.js';
import { backoffDelay, parseRetryAfter } from '../src/http/retry-policy.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

interface TestServer {
  url: string;
  hits: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  use(h: Handler): void;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  let handler: Handler = (_q, res) => res.end('{}');
  const hits: TestServer['hits'] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => handler(req, res, hits.length));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    use(h) {
      handler = h;
      hits.length = 0;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const TOKEN = 'secret-token-value-1234567890';

describe('Transport', () => {
  let srv: TestServer;
  let other: TestServer;
  const sleeps: number[] = [];
  const make = (extra: Partial<ConstructorParameters<typeof Transport>[0]> = {}) =>
    new Transport({
      baseUrl: srv.url,
      token: TOKEN,
      userAgent: 'neurovault-cli/test',
      retries: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });

  before(async () => {
    srv = await startServer();
    other = await startServer();
  });
  after(async () => {
    await srv.close();
    await other.close();
  });

  test('sends Token auth, Accept and User-Agent to the base origin', async () => {
    srv.use((_q, res) => res.end('{"ok":true}'));
    const t = make();
    assert.deepEqual(await t.json({ method: 'GET', url: `${srv.url}/api/user/` }), { ok: true });
    const h = srv.hits[0]!.headers;
    assert.equal(h.authorization, `Token ${TOKEN}`);
    assert.equal(h.accept, 'application/json');
    assert.equal(h['user-agent'], 'neurovault-cli/test');
    await t.close();
  });

  test('bearer scheme when asked', async () => {
    srv.use((_q, res) => res.end('{}'));
    const t = make({ authScheme: 'bearer' });
    await t.json({ method: 'GET', url: `${srv.url}/api/user/` });
    assert.equal(srv.hits[0]!.headers.authorization, `Bearer ${TOKEN}`);
    await t.close();
  });

  test('never sends the token to another origin, directly or through a redirect', async () => {
    other.use((_q, res) => res.end('{"there":1}'));
    srv.use((_q, res) => {
      res.writeHead(302, { location: `${other.url}/file` });
      res.end();
    });
    const t = make();
    assert.deepEqual(await t.json({ method: 'GET', url: `${other.url}/direct` }), { there: 1 });
    assert.deepEqual(await t.json({ method: 'GET', url: `${srv.url}/api/redirect/` }), { there: 1 });
    assert.equal(srv.hits[0]!.headers.authorization, `Token ${TOKEN}`);
    assert.equal(other.hits.length, 2);
    for (const hit of other.hits) assert.equal(hit.headers.authorization, undefined);
    await t.close();
  });

  test('retries 502 and 429 with Retry-After, then succeeds', async () => {
    sleeps.length = 0;
    srv.use((_q, res, n) => {
      if (n === 1) {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><title>502 Bad Gateway</title></html>');
      } else if (n === 2) {
        res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' });
        res.end('{"detail":"slow down"}');
      } else res.end('{"done":true}');
    });
    const t = make();
    assert.deepEqual(await t.json({ method: 'GET', url: `${srv.url}/api/x/` }), { done: true });
    assert.equal(srv.hits.length, 3);
    assert.equal(sleeps.length, 2);
    assert.equal(sleeps[1], 2000, 'Retry-After seconds honoured');
    await t.close();
  });

  test('gives up after the retry budget with the last HTTP error', async () => {
    srv.use((_q, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><head><title>503 Service Unavailable</title></head></html>');
    });
    const t = make({ retries: 2 });
    await assert.rejects(t.json({ method: 'GET', url: `${srv.url}/api/x/` }), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 503);
      assert.match(err.message, /HTML error page \("503 Service Unavailable"\)/);
      assert.equal(err.exitCode, 1);
      return true;
    });
    assert.equal(srv.hits.length, 3);
    await t.close();
  });

  test('a truncated body is retried when the whole body is read', async () => {
    srv.use((_q, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.destroy(), 5);
      } else res.end('{"full":true}');
    });
    const t = make();
    assert.deepEqual(await t.json({ method: 'GET', url: `${srv.url}/api/x/` }), { full: true });
    assert.equal(srv.hits.length, 2);
    await t.close();
  });

  test('a POST is never redirected, and the error names the cause', async () => {
    srv.use((req, res) => {
      res.writeHead(301, { location: `${req.url}/` });
      res.end();
    });
    const t = make();
    await assert.rejects(t.json({ method: 'POST', url: `${srv.url}/api/collections`, body: '{}' }), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 301);
      assert.match(err.message, /never redirected/);
      return true;
    });
    assert.equal(srv.hits.length, 1, 'no second request');
    await t.close();
  });

  test('a POST is not retried after a 502 (it may have been applied)', async () => {
    srv.use((_q, res) => {
      res.writeHead(502);
      res.end();
    });
    const t = make();
    await assert.rejects(t.json({ method: 'POST', url: `${srv.url}/api/collections/`, body: '{}' }), HttpError);
    assert.equal(srv.hits.length, 1);
    await t.close();
  });

  test('DRF error bodies become readable messages with the right exit code', async () => {
    srv.use((req, res) => {
      res.writeHead(req.url!.includes('missing') ? 404 : 400, { 'content-type': 'application/json' });
      res.end(req.url!.includes('missing') ? '{"detail":"Not found."}' : '{"name":["This field may not be blank."]}');
    });
    const t = make();
    await assert.rejects(t.json({ method: 'GET', url: `${srv.url}/api/missing/` }), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.exitCode, 4);
      assert.match(err.message, /404: Not found\./);
      return true;
    });
    await assert.rejects(t.json({ method: 'POST', url: `${srv.url}/api/bad/`, body: '{}' }), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.exitCode, 2);
      assert.deepEqual(err.fieldErrors, ['name: This field may not be blank.']);
      return true;
    });
    await t.close();
  });

  test('a refused connection is a NetworkError with the real cause, retried for GET', async () => {
    const closed = await startServer();
    const url = closed.url;
    await closed.close();
    const t = new Transport({ baseUrl: url, userAgent: 'x', retries: 2, sleep: async () => undefined });
    await assert.rejects(t.json({ method: 'GET', url: `${url}/api/` }), (err: unknown) => {
      assert.ok(err instanceof NetworkError);
      assert.equal(err.code, 'ECONNREFUSED');
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    await t.close();
  });

  test('the token never appears in the verbose log', async () => {
    srv.use((_q, res) => res.end('{}'));
    const lines: string[] = [];
    const t = make({ log: (l) => lines.push(l) });
    await t.json({ method: 'GET', url: `${srv.url}/api/user/` });
    assert.ok(lines.length >= 2);
    assert.ok(lines.every((l) => !l.includes(TOKEN)));
    await t.close();
  });
});

describe('retry policy', () => {
  test('Retry-After as seconds and as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  test('backoff doubles and stays within half..full of the step', () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const step = Math.min(10_000, 300 * 2 ** (attempt - 1));
      assert.equal(backoffDelay(attempt, { baseMs: 300, maxMs: 10_000, random: () => 0 }), step / 2);
      assert.equal(backoffDelay(attempt, { baseMs: 300, maxMs: 10_000, random: () => 1 }), step);
    }
  });
});
