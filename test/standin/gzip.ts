// nginx `gzip on` for the API: JSON is compressed when the client says it accepts gzip (level 1,
// nginx's default gzip_comp_level), never otherwise; files are served as they are.
import type { IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';

/** nginx gzip_min_length default: shorter bodies go as they are. */
const MIN_LENGTH = 20;

export function acceptsGzip(req: IncomingMessage): boolean {
  const h = req.headers['accept-encoding'];
  const value = Array.isArray(h) ? h.join(',') : (h ?? '');
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    return !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

/** Body and headers as nginx would send them for this request. */
export function maybeGzip(req: IncomingMessage, body: Buffer, headers: Record<string, string>): Buffer {
  if (body.length < MIN_LENGTH || !acceptsGzip(req)) return body;
  headers['Content-Encoding'] = 'gzip';
  headers.Vary = headers.Vary ? `${headers.Vary}, Accept-Encoding` : 'Accept-Encoding';
  return gzipSync(body, { level: 1 });
}
