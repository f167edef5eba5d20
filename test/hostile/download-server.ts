// A minimal NeuroVault API on the hostile server, for download tests that break one thing at a time:
// collections, their image lists, single images and the image files, shaped like the real responses
// (the templates recorded from neurovault.org). Every response can be replaced by a test's mutation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonBody, startHostile, type HostileServer } from './server.js';
import { STATMAP, WEB_COLLECTION, clone, type JsonObject } from '../standin/templates.js';
import { niftiGz } from '../standin/nifti-file.js';

export interface FakeImage {
  id: number;
  /** The collection the image is listed under. */
  collectionId: number;
  /** The file as the server serves it (default: a valid .nii.gz). */
  body: Buffer;
  /** File name in the URL (default `map_<id>.nii.gz`). */
  fileName: string;
  /** Fields that replace the template's (after id, collection_id, file, file_size are set). */
  fields: JsonObject;
}

export interface FakeCollection {
  id: number;
  images: FakeImage[];
  /** Fields that replace the template's. */
  fields: JsonObject;
}

/** Answers one file request; `fake.serveFile` is the well-behaved default. */
export type FileHandler = (req: IncomingMessage, res: ServerResponse, image: FakeImage, n: number) => void | Promise<void>;

export interface FakeNeuroVault {
  server: HostileServer;
  url: string;
  collections: Map<number, FakeCollection>;
  /** Requests for files (path starts with /media/). */
  fileRequests(): HostileServer['requests'];
  close(): Promise<void>;
}

export interface FakeOptions {
  collections: { id: number; images: (Partial<FakeImage> & { id: number })[]; fields?: JsonObject }[];
  /** Replaces the file answer (default: serveFile with ETag and Last-Modified). */
  file?: FileHandler;
  /** Replaces an API answer; return true when it answered. */
  api?: (req: IncomingMessage, res: ServerResponse, path: string) => boolean | Promise<boolean>;
  maxRequests?: number;
}

export const LAST_MODIFIED = 'Mon, 20 Jul 2020 22:14:27 GMT';

export function imageJson(base: string, im: FakeImage): JsonObject {
  return {
    ...clone(STATMAP),
    url: `${base}/images/${im.id}/`,
    id: im.id,
    file: `${base}/media/images/${im.collectionId}/${im.fileName}`,
    collection: `${base}/collections/${im.collectionId}/`,
    collection_id: im.collectionId,
    file_size: im.body.length,
    name: `map ${im.id}`,
    modify_date: '2020-07-20T22:14:27.123456Z',
    ...im.fields,
  };
}

export function collectionJson(base: string, c: FakeCollection): JsonObject {
  return { ...clone(WEB_COLLECTION), id: c.id, url: `${base}/collections/${c.id}/`, name: `collection ${c.id}`, number_of_images: c.images.length, DOI: null, ...c.fields };
}

/**
 * Static-file semantics: Content-Length, a single `bytes=a-` range answered 206 with Content-Range, and
 * `If-Range` honoured (a validator that is not the current ETag or Last-Modified gets the whole file, 200).
 */
export function serveFile(req: IncomingMessage, res: ServerResponse, body: Buffer, etag: string | undefined = `"v-${body.length}"`): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', 'Last-Modified': LAST_MODIFIED };
  if (etag) headers.ETag = etag;
  const m = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
  const ifRange = req.headers['if-range'];
  const rangeApplies = m && (ifRange === undefined || ifRange === etag || ifRange === LAST_MODIFIED);
  if (m && rangeApplies && Number(m[1]) < body.length) {
    const start = Number(m[1]);
    res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': String(body.length - start) });
    res.end(body.subarray(start));
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
  res.end(body);
}

/** Sends the headers of the whole file and only its first `n` bytes, then drops the connection. */
export function sendCut(res: ServerResponse, body: Buffer, n: number, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length), ...headers });
  res.write(body.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
}

/** A file answer that cuts the first request after `n` bytes (with `headers`) and hands the rest to `then`. */
export function cutFirst(body: Buffer, n: number, headers: Record<string, string>, then: FileHandler): FileHandler {
  let cut = false;
  return (req, res, image, count) => {
    if (cut) return then(req, res, image, count);
    cut = true;
    sendCut(res, body, n, headers);
  };
}

/** A 206 with `body` from `start`, claiming `etag`, whatever the request asked. */
export function send206(res: ServerResponse, body: Buffer, start: number, etag: string): void {
  const headers = { ETag: etag, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': String(body.length - start) };
  res.writeHead(206, headers);
  res.end(body.subarray(start));
}

export async function startFakeNeuroVault(opts: FakeOptions): Promise<FakeNeuroVault> {
  const collections = new Map<number, FakeCollection>();
  const images = new Map<number, FakeImage>();
  const files = new Map<string, FakeImage>();
  for (const c of opts.collections) {
    const fc: FakeCollection = { id: c.id, fields: c.fields ?? {}, images: [] };
    for (const i of c.images) {
      const im: FakeImage = {
        collectionId: c.id,
        body: niftiGz(Math.abs(i.id), 3000),
        fileName: `map_${Math.abs(i.id)}.nii.gz`,
        fields: {},
        ...i,
      };
      fc.images.push(im);
      images.set(im.id, im);
      files.set(`/media/images/${im.collectionId}/${im.fileName}`, im);
    }
    collections.set(c.id, fc);
  }
  let fileCount = 0;
  const server = await startHostile(
    async (req, res) => {
      const base = `http://127.0.0.1:${server.port}`;
      const path = new URL(req.url ?? '/', base).pathname;
      if (path.startsWith('/media/')) {
        const im = files.get(decodeURIComponent(path));
        if (!im) return sendJsonBody(res, 404, { detail: 'Not found.' });
        fileCount++;
        return opts.file ? opts.file(req, res, im, fileCount) : serveFile(req, res, im.body);
      }
      if (opts.api && (await opts.api(req, res, path))) return;
      let m = /^\/api\/collections\/(-?\d+)\/images\/$/.exec(path);
      if (m) {
        const c = collections.get(Number(m[1]));
        if (!c) return sendJsonBody(res, 404, { detail: 'Not found.' });
        const results = c.images.map((im) => imageJson(base, im));
        return sendJsonBody(res, 200, { count: results.length, next: null, previous: null, results });
      }
      m = /^\/api\/collections\/(-?\d+)\/$/.exec(path);
      if (m) {
        const c = collections.get(Number(m[1]));
        return c ? sendJsonBody(res, 200, collectionJson(base, c)) : sendJsonBody(res, 404, { detail: 'Not found.' });
      }
      m = /^\/api\/images\/(-?\d+)\/$/.exec(path);
      if (m) {
        const im = images.get(Number(m[1]));
        return im ? sendJsonBody(res, 200, imageJson(base, im)) : sendJsonBody(res, 404, { detail: 'Not found.' });
      }
      sendJsonBody(res, 404, { detail: 'Not found.' });
    },
    { maxRequests: opts.maxRequests ?? 200 },
  );
  return {
    server,
    url: server.url,
    collections,
    fileRequests: () => server.requests.filter((r) => r.path.startsWith('/media/')),
    close: () => server.close(),
  };
}
