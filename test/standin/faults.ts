// Failure injection for the client's retry/resume logic. File faults are decided per file from a
// seeded hash so a test run is reproducible: a failing file fails 1..maxFailuresPerFile times, then
// serves correctly. API faults are an explicit queue tests push onto.
import type { ServerResponse } from 'node:http';
import { hashString, prng } from './prng.js';

export type FaultKind = '502' | '429' | 'reset' | 'truncate' | '500html';

export interface ApiFault { pathPrefix: string; kind: FaultKind; count: number }

export interface FaultConfig {
  /** probability (0..1) that a given file is a failing one */
  fileFailRate: number;
  /** kinds used for file faults, rotated deterministically per file and attempt */
  kinds: FaultKind[];
  maxFailuresPerFile: number;
  /** Retry-After value for 429 (0 allowed) */
  retryAfterSeconds: number;
  /** changes which files fail and how often */
  seed: number;
  api: { failNext: ApiFault[] };
  /** An outage of the API alone: every /api/ request gets a 503 while files are still served. */
  apiDown: boolean;
}

export function defaultFaults(): FaultConfig {
  return { fileFailRate: 0, kinds: ['502', '429', 'reset', 'truncate', '500html'], maxFailuresPerFile: 2, retryAfterSeconds: 1, seed: 1, api: { failNext: [] }, apiDown: false };
}

export const BAD_GATEWAY_HTML = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.15.6</center>\r\n</body>\r\n</html>\r\n';
export const SERVER_ERROR_HTML = '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n';
export const NOT_FOUND_HTML = '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n';

export const UNAVAILABLE_HTML = '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx/1.15.6</center>\r\n</body>\r\n</html>\r\n';

/** nginx's answer while the application behind it is down (`apiDown`). */
export function sendUnavailable(res: ServerResponse): void {
  res.writeHead(503, { 'Content-Type': 'text/html', Server: 'nginx/1.15.6', 'Content-Length': Buffer.byteLength(UNAVAILABLE_HTML) });
  res.end(UNAVAILABLE_HTML);
}

/** Consumes one queued API fault matching `path`, if any. */
export function takeApiFault(cfg: FaultConfig, path: string): FaultKind | undefined {
  const i = cfg.api.failNext.findIndex((f) => f.count > 0 && path.startsWith(f.pathPrefix));
  if (i < 0) return undefined;
  const f = cfg.api.failNext[i]!;
  f.count--;
  if (f.count <= 0) cfg.api.failNext.splice(i, 1);
  return f.kind;
}

export class FileFaults {
  private readonly served = new Map<string, number>();

  /** Fault for this attempt at `key`, or undefined when the file should be served. */
  next(cfg: FaultConfig, key: string): FaultKind | undefined {
    if (cfg.fileFailRate <= 0 || cfg.kinds.length === 0) return undefined;
    const rnd = prng(hashString(`${cfg.seed}:${key}`));
    if (rnd() >= cfg.fileFailRate) return undefined;
    const budget = 1 + Math.floor(rnd() * Math.max(1, cfg.maxFailuresPerFile));
    const done = this.served.get(key) ?? 0;
    if (done >= budget) return undefined;
    this.served.set(key, done + 1);
    return cfg.kinds[(Math.floor(rnd() * cfg.kinds.length) + done) % cfg.kinds.length];
  }

  failuresSoFar(key: string): number { return this.served.get(key) ?? 0; }
}

/** Sends a fault that does not need the real body ('truncate' is handled by the body senders). */
export function sendSimpleFault(res: ServerResponse, kind: Exclude<FaultKind, 'truncate'>, retryAfterSeconds: number): void {
  switch (kind) {
    case 'reset':
      res.socket?.destroy();
      return;
    case '502':
      res.writeHead(502, { 'Content-Type': 'text/html', Server: 'nginx/1.15.6', 'Content-Length': Buffer.byteLength(BAD_GATEWAY_HTML) });
      res.end(BAD_GATEWAY_HTML);
      return;
    case '500html':
      res.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(SERVER_ERROR_HTML) });
      res.end(SERVER_ERROR_HTML);
      return;
    case '429': {
      const body = JSON.stringify({ detail: `Request was throttled. Expected available in ${retryAfterSeconds} seconds.` });
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(retryAfterSeconds), 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
  }
}

/** Announces the full length, sends part of it, then drops the connection. */
export function sendTruncated(res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer): void {
  res.writeHead(status, { ...headers, 'Content-Length': body.length });
  const cut = Math.max(0, Math.min(body.length - 1, Math.floor(body.length / 2)));
  res.write(body.subarray(0, cut), () => res.socket?.destroy());
}
