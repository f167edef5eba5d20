// Local NeuroVault stand-in for tests and benchmarks. Behaviour follows the recorded server
// (test/fixtures/samples) and API.md; the details live in the parts it composes:
// api.ts (routes/auth), pagination.ts, writes.ts (create/upload), files.ts, faults.ts, seed.ts.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi, type ApiOptions } from './api.js';
import { defaultFaults, sendSimpleFault, sendUnavailable, takeApiFault, type FaultConfig } from './faults.js';
import { createFileHandler } from './files.js';
import { sendHtml, type ReqCtx } from './http-util.js';
import { NOT_FOUND_HTML } from './faults.js';
import { seedStore, type SeedIds } from './seed.js';
import { addPopulation, type PopulationOptions } from './population.js';
import { Store, type CollectionInit, type ImageInit, type UploadRecord, type User } from './store.js';
import type { JsonObject } from './templates.js';

export type { FaultConfig, FaultKind, ApiFault } from './faults.js';
export type { CollectionInit, ImageInit, User, UploadRecord } from './store.js';
export type { SeedIds } from './seed.js';

export interface StandinOptions {
  /** synthetic public collections in addition to the seeds (default 20) */
  collections?: number;
  /** images per synthetic collection (default 3); seeds are fixed */
  imagesPerCollection?: number;
  /** 'ignored' (default) like the live server: ?DOI=/?name=/?owner= return the full list */
  doiFilter?: 'ignored' | 'honoured';
  apiLatencyMs?: number;
  fileLatencyMs?: number;
  /** 'separate': files come from a second server (another origin) and `file` URLs point there */
  fileOrigin?: 'same' | 'separate';
  /** approximate size of generated image files (default 2048) */
  fileBytes?: number;
  users?: User[];
  /** port for the API server (default 0 = ephemeral) */
  port?: number;
  /** a NeuroVault-sized population added after the seeds (population.ts), e.g. 10,000 / 270,000 */
  population?: PopulationOptions;
  /**
   * As NeuroVault's own app (2025 code, shipped settings) was seen run locally (API.md §12): collections
   * carry `publication_status`/`preprint_DOI` (plus a preprint-only seed collection), images `sex`
   * (the recorded ones keep `gender`); files are served by Django's static view (no ETag, a Range gets
   * 200 and the whole file, `Content-Encoding: utf-8`); private collections created through the API get
   * a lower-case hex token the API cannot resolve.
   */
  realApp?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** path including query, as received */
  path: string;
  /** lower-cased names; repeated headers joined with ', ' */
  headers: Record<string, string>;
  origin: 'api' | 'file';
  /** 0 when the connection was dropped before a status was sent */
  status: number;
}

export interface Standin extends SeedIds {
  url: string;
  fileUrl: string;
  close(): Promise<void>;
  requests: RecordedRequest[];
  /** TCP connections accepted so far (API and file servers together): a run that must stay offline opens none. */
  readonly connections: number;
  faults: FaultConfig;
  addCollection(c?: CollectionInit, images?: number | ImageInit[]): { collection: JsonObject; images: JsonObject[] };
  collection(id: number | string): JsonObject | undefined;
  image(id: number): JsonObject | undefined;
  fileBody(imageId: number): Buffer;
  uploadedBytes(imageId: number): Buffer | undefined;
  upload(imageId: number): UploadRecord | undefined;
  /** the store, for scenarios the helpers above do not cover */
  store: Store;
  /** `lists.hook` rewrites /api/collections/ and /api/images/ before paging (unordered or changing lists) */
  lists: NonNullable<ApiOptions['lists']>;
}

export const DEFAULT_USER: User = { token: '0123456789abcdef0123456789abcdef01234567', id: 1599, username: 'delavega4' };

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startStandin(opts: StandinOptions = {}): Promise<Standin> {
  const apiServer = http.createServer();
  const fileServer = opts.fileOrigin === 'separate' ? http.createServer() : undefined;
  for (const s of [apiServer, fileServer]) {
    if (!s) continue;
    // benchmarks open many parallel keep-alive connections
    s.keepAliveTimeout = 30_000;
    // large uploads over slow (latency-injected) links must not hit the 300 s default
    s.requestTimeout = 0;
  }
  const url = `http://127.0.0.1:${await listen(apiServer, opts.port ?? 0)}`;
  const fileUrl = fileServer ? `http://127.0.0.1:${await listen(fileServer, 0)}` : url;

  const store = new Store(url, fileUrl, opts.fileBytes ?? 2048, opts.users ?? [DEFAULT_USER]);
  store.realApp = opts.realApp === true;
  const ids = seedStore(store, { collections: opts.collections ?? 20, imagesPerCollection: opts.imagesPerCollection ?? 3 });
  if (opts.population) addPopulation(store, opts.population);

  const faults = defaultFaults();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const lists: NonNullable<ApiOptions['lists']> = {};
  const handleApi = createApi(store, { doiFilter: opts.doiFilter ?? 'ignored', lists });
  const handleFile = createFileHandler(store, () => faults);

  const delay = (ms: number) => new Promise<void>((resolve) => {
    if (!ms) { resolve(); return; }
    const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
    timers.add(t);
  });

  const onRequest = (origin: 'api' | 'file') => async (req: IncomingMessage, res: ServerResponse) => {
    const rawUrl = req.url ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: rawUrl, headers, origin, status: 0 };
    requests.push(rec);
    // status is known once headers go out; 'close' covers responses finished asynchronously
    const settle = () => { rec.status = res.headersSent ? res.statusCode : 0; };
    res.on('close', settle);
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const reqOrigin = `http://${req.headers.host ?? (origin === 'api' ? url : fileUrl).slice(7)}`;
    const ctx: ReqCtx = {
      req, res, method: rec.method, rawPath, query: q < 0 ? '' : rawUrl.slice(q + 1),
      absUrl: reqOrigin + rawUrl, reqOrigin, truncate: false,
    };
    try {
      const isMedia = rawPath.startsWith('/media/images/');
      if (isMedia && (origin === 'file' || !fileServer)) {
        await delay(opts.fileLatencyMs ?? 0);
        if (res.destroyed) return;
        handleFile(ctx);
        return;
      }
      if (origin === 'api' && (rawPath === '/api' || rawPath.startsWith('/api/'))) {
        await delay(opts.apiLatencyMs ?? 0);
        if (res.destroyed) return;
        if (faults.apiDown) { sendUnavailable(res); return; }
        const fault = takeApiFault(faults, rawUrl);
        if (fault === 'truncate') ctx.truncate = true;
        else if (fault) { sendSimpleFault(res, fault, faults.retryAfterSeconds); return; }
        await handleApi(ctx);
        return;
      }
      sendHtml(ctx, 404, NOT_FOUND_HTML);
    } catch {
      if (!res.headersSent && !res.destroyed) { res.writeHead(500); res.end(); }
    } finally {
      settle();
    }
  };
  apiServer.on('request', onRequest('api'));
  fileServer?.on('request', onRequest('file'));
  let connections = 0;
  for (const s of [apiServer, fileServer]) s?.on('connection', () => { connections++; });

  return {
    ...ids,
    url,
    fileUrl,
    requests,
    faults,
    store,
    lists,
    get connections() { return connections; },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([apiServer, fileServer].filter((s): s is http.Server => !!s).map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      })));
    },
    addCollection(c = {}, images = 3) {
      const rec = store.addCollection(c);
      const inits: ImageInit[] = typeof images === 'number' ? Array.from({ length: images }, () => ({})) : images;
      const made = inits.map((init, i) => store.addImage(rec, {
        name: `image ${i + 1}`, map_type: 'T map', modality: 'fMRI-BOLD', ...init,
      }).obj);
      return { collection: rec.obj, images: made };
    },
    collection(id) {
      const key = typeof id === 'string' && /^[A-Z]{8}$/.test(id) ? store.tokens.get(id) : Number(id);
      return key === undefined ? undefined : store.collections.get(key)?.obj;
    },
    image: (id) => store.getImage(id)?.obj,
    fileBody: (id) => store.fileBody(id),
    uploadedBytes: (id) => store.getImage(id)?.upload?.bytes,
    upload: (id) => store.getImage(id)?.upload,
  };
}
