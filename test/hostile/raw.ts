// A TCP server that answers every request with bytes a test writes by hand: for answers node:http refuses
// to produce (a chunk size that is no number, gzip announced over plain JSON). Records what it was sent.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawServer {
  url: string;
  /** Request heads as received (start line and headers). */
  requests: string[];
  close(): Promise<void>;
}

export async function startRaw(answer: (head: string, n: number) => string | Buffer): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      buf = '';
      requests.push(head);
      s.end(answer(head, requests.length));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
