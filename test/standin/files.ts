// /media/images/ file serving: static-file semantics (Content-Length, byte ranges) plus the
// broken cases a download client must survive: missing files (HTML 404), an HTML "login page"
// served with 200 instead of the file, and injected faults.
import { FileFaults, NOT_FOUND_HTML, sendSimpleFault, sendTruncated, type FaultConfig } from './faults.js';
import { sendHtml, type ReqCtx } from './http-util.js';
import type { Store } from './store.js';

type Range = { start: number; end: number } | 'unsatisfiable' | undefined;

/** Single `bytes=a-b`, `bytes=a-` or `bytes=-n`; anything else is ignored (full body), as nginx does. */
function parseRange(header: string | undefined, size: number): Range {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export function createFileHandler(store: Store, faults: () => FaultConfig) {
  const fileFaults = new FileFaults();

  return function handleFile(ctx: ReqCtx): void {
    const rest = ctx.rawPath.slice('/media/images/'.length);
    const slash = rest.indexOf('/');
    let name: string | undefined;
    try { name = slash > 0 ? decodeURIComponent(rest.slice(slash + 1)) : undefined; } catch { name = undefined; }
    const im = name === undefined ? undefined : store.lookupFile(rest.slice(0, slash), name);
    if (!im || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) { sendHtml(ctx, 404, NOT_FOUND_HTML); return; }
    if (im.fileMode === 'missing') { sendHtml(ctx, 404, NOT_FOUND_HTML); return; }
    if (im.fileMode === 'html') { sendHtml(ctx, 200, store.fileBody(im.id).toString('utf8')); return; }

    const cfg = faults();
    const fault = fileFaults.next(cfg, `${im.collectionId}/${im.fileName}`);
    if (fault && fault !== 'truncate') { sendSimpleFault(ctx.res, fault, cfg.retryAfterSeconds); return; }

    const body = store.fileBody(im.id);
    if (store.realApp) { sendLikeDjango(ctx, body, fault === 'truncate'); return; }
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Last-Modified': 'Mon, 20 Jul 2020 22:14:27 GMT',
      ETag: `"${im.id.toString(16)}-${body.length.toString(16)}"`,
    };
    const range = parseRange(ctx.req.headers.range, body.length);
    if (range === 'unsatisfiable') {
      ctx.res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'Content-Type': 'text/html', 'Content-Length': '0' });
      ctx.res.end();
      return;
    }
    const status = range ? 206 : 200;
    const part = range ? body.subarray(range.start, range.end + 1) : body;
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${body.length}`;
    if (fault === 'truncate') { sendTruncated(ctx.res, status, headers, part); return; }
    ctx.res.writeHead(status, { ...headers, 'Content-Length': String(part.length) });
    ctx.res.end(ctx.method === 'HEAD' ? undefined : part);
  };
}

/**
 * NeuroVault's `serve_image` through django-sendfile's development backend (the shipped settings):
 * `django.views.static.serve` answers every GET with 200 and the whole file (a Range is not read), sets
 * Content-Length and Last-Modified but no ETag and no Accept-Ranges, and sendfile adds the `encoding`
 * it was given as `Content-Encoding: utf-8` (API.md §12).
 */
function sendLikeDjango(ctx: ReqCtx, body: Buffer, truncate: boolean): void {
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Encoding': 'utf-8',
    'Last-Modified': 'Mon, 20 Jul 2020 22:14:27 GMT',
  };
  if (truncate) { sendTruncated(ctx.res, 200, headers, body); return; }
  ctx.res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}
