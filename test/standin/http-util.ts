// Response helpers shaped like the recorded nginx+DRF responses (headers from *.meta.json).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendTruncated } from './faults.js';
import { maybeGzip } from './gzip.js';

export interface ReqCtx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  rawPath: string;
  query: string;
  /** DRF request.build_absolute_uri(): origin from Host + raw path and query */
  absUrl: string;
  reqOrigin: string;
  /** set by the fault layer: next body is announced in full but cut short */
  truncate: boolean;
}

export const ALLOW_LIST_CREATE = 'GET, POST, HEAD, OPTIONS';
export const ALLOW_DETAIL = 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS';
export const ALLOW_READ = 'GET, HEAD, OPTIONS';

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Credentials': 'true',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
};

/** Swap the stand-in's own origin for the one the client used (URLs follow the Host header). */
export function rebase(json: string, storeOrigin: string, reqOrigin: string): string {
  return storeOrigin === reqOrigin ? json : json.split(`${storeOrigin}/`).join(`${reqOrigin}/`);
}

export function sendJson(
  ctx: ReqCtx, storeOrigin: string, status: number, body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = rebase(JSON.stringify(body), storeOrigin, ctx.reqOrigin);
  const h: Record<string, string> = { ...CORS, 'Content-Type': 'application/json; charset=utf-8', Vary: 'Accept', ...headers };
  const bytes = maybeGzip(ctx.req, Buffer.from(text), h);
  if (ctx.truncate) { sendTruncated(ctx.res, status, h, bytes); return; }
  ctx.res.writeHead(status, h);
  // write-then-end keeps the body chunked without Content-Length, as nginx serves the API
  if (ctx.method !== 'HEAD') ctx.res.write(bytes);
  ctx.res.end();
}

export function sendHtml(ctx: ReqCtx, status: number, html: string, headers: Record<string, string> = {}): void {
  const h = { 'Content-Type': 'text/html; charset=utf-8', ...headers };
  if (ctx.truncate) { sendTruncated(ctx.res, status, h, Buffer.from(html)); return; }
  ctx.res.writeHead(status, { ...h, 'Content-Length': String(Buffer.byteLength(html)) });
  ctx.res.end(html);
}

export async function readBody(req: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size <= limit) chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
