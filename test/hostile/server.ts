// A hostile HTTP server for tests: each test hands it one handler that misbehaves in one way. It records
// every request (method, path as sent on the wire, headers) so a test can assert what the client did,
// caps how many requests it answers (an endless client loop ends the test instead of the machine), and
// destroys open sockets on close so a trickling response cannot hold the test open.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  /** the request target exactly as it came on the wire (no URL normalisation) */
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type HostileHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer, n: number) => void | Promise<void>;

export interface HostileServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  requests: SeenRequest[];
  /** set when the request cap was hit: the client was looping */
  capped: boolean;
  close(): Promise<void>;
}

export async function startHostile(handler: HostileHandler, opts: { maxRequests?: number } = {}): Promise<HostileServer> {
  const maxRequests = opts.maxRequests ?? 500;
  const sockets = new Set<Socket>();
  const requests: SeenRequest[] = [];
  const state = { capped: false };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (requests.length > maxRequests) {
        state.capped = true;
        res.writeHead(503, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end('request cap reached');
        return;
      }
      Promise.resolve(handler(req, res, body, requests.length)).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get capped() { return state.capped; },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJsonBody(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
