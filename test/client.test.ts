import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transport } from '../src/http/transport.js';
import { NeuroVaultClient } from '../src/api/client.js';
import { ResponseShapeError } from '../src/http/errors.js';

/** A server whose top-level list overlaps between pages, as an unordered DRF list can. */
function overlappingServer(): Promise<{ server: Server; url: string; paths: string[] }> {
  const paths: string[] = [];
  const rows = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({
      id: from + i,
      url: `x/${from + i}`,
      name: `c${from + i}`,
      add_date: 'd',
      modify_date: 'd',
      user_key: i % 2 ? 42 : '',
    }));
  const server = createServer((req, res) => {
    paths.push(req.url!);
    const url = new URL(req.url!, 'http://h');
    const host = req.headers.host;
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/collections/') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      // Page 2 repeats two rows of page 1; count promises 6 distinct, only 5 exist.
      // `next` comes back as the server sees itself (here: another spelling of the same host).
      const body =
        offset === 0
          ? { count: 6, next: `http://localhost:${host!.split(':')[1]}/api/collections/?limit=3&offset=3`, previous: null, results: rows(1, 4) }
          : { count: 6, next: null, previous: null, results: [...rows(2, 4), ...rows(4, 6)] };
      res.end(JSON.stringify(body));
    } else if (url.pathname === '/api/images/5/') {
      res.end(JSON.stringify({ id: 5, name: 'no file key' , image_type: 'statistic_map' }));
    } else {
      res.statusCode = 404;
      res.end('{"detail":"Not found."}');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths }),
    ),
  );
}

describe('NeuroVaultClient', () => {
  let srv: Awaited<ReturnType<typeof overlappingServer>>;
  before(async () => {
    srv = await overlappingServer();
  });
  after(() => {
    srv.server.closeAllConnections();
    srv.server.close();
  });

  test('pagination follows next, dedupes by id, keeps user keys, and warns on a count mismatch', async () => {
    const warnings: string[] = [];
    const t = new Transport({ baseUrl: srv.url, userAgent: 't' });
    const api = new NeuroVaultClient(t, srv.url, { warn: (m) => warnings.push(m) });
    const got = [];
    for await (const c of api.listCollections({ all: true })) got.push(c);
    assert.deepEqual(
      got.map((c) => c.id),
      [1, 2, 3, 4, 5],
    );
    assert.ok(got.every((c) => 'user_key' in c));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /reported 6 items but returned 5/);
    assert.ok(srv.paths[0]!.startsWith('/api/collections/?limit=1000'), srv.paths[0]);
    await t.close();
  });

  test('a body that breaks the contract is a ResponseShapeError naming the field', async () => {
    const t = new Transport({ baseUrl: srv.url, userAgent: 't' });
    const api = new NeuroVaultClient(t, srv.url);
    await assert.rejects(api.getImage({ kind: 'id', id: 5 }), (err: unknown) => {
      assert.ok(err instanceof ResponseShapeError);
      assert.match(err.message, /at file/);
      return true;
    });
    await t.close();
  });

  test('API URLs always end in a slash and keep the base path', () => {
    const t = new Transport({ baseUrl: 'https://example.org/nv', userAgent: 't' });
    const api = new NeuroVaultClient(t, 'https://example.org/nv');
    assert.equal(api.apiUrl('collections/12').toString(), 'https://example.org/nv/api/collections/12/');
    assert.equal(api.apiUrl('/user', { a: 1, b: undefined }).toString(), 'https://example.org/nv/api/user/?a=1');
    void t.close();
  });
});
