// /api/ routing with Django/DRF semantics: APPEND_SLASH redirects, HTML pages for unknown routes
// and uncaught errors, TokenAuthentication on every API request, get_collection's id/token rules.
import { boundaryOf, MultipartError, readMultipart, type ParsedForm } from './multipart.js';
import { paginate } from './pagination.js';
import { NOT_FOUND_HTML, SERVER_ERROR_HTML } from './faults.js';
import { ALLOW_DETAIL, ALLOW_LIST_CREATE, ALLOW_READ, readBody, sendHtml, sendJson, type ReqCtx } from './http-util.js';
import type { CollectionRecord, ImageRecord, Store, User } from './store.js';
import type { JsonObject } from './templates.js';
import { createCollection, uploadStatmap } from './writes.js';

export interface ApiOptions {
  doiFilter: 'ignored' | 'honoured';
  /** Rewrites a top-level list before paging (tests: unordered lists, overlapping pages); path as requested. */
  lists?: { hook?: (path: string, query: URLSearchParams, rows: JsonObject[]) => JsonObject[] };
}

type Handler = (ctx: ReqCtx, m: string[], user: User | undefined) => Promise<void> | void;
interface Route { re: RegExp; allow: string; methods: Record<string, Handler> }

const NOT_FOUND = { detail: 'Not found.' };
const NO_CREDENTIALS = { detail: 'Authentication credentials were not provided.' };
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' };

class HttpError extends Error {
  constructor(readonly status: number, readonly body: unknown, readonly html = false, readonly headers: Record<string, string> = {}) { super(String(status)); }
}

const notAuthenticated = () => new HttpError(401, NO_CREDENTIALS, false, { 'WWW-Authenticate': 'Token' });
const serverError = () => new HttpError(500, SERVER_ERROR_HTML, true);

/** DRF TokenAuthentication.authenticate: undefined = anonymous, throws on a malformed/unknown token. */
function authenticate(store: Store, header: string | undefined): User | undefined {
  if (!header) return undefined;
  const parts = header.trim().split(/\s+/);
  if (parts[0]!.toLowerCase() !== 'token') return undefined;
  const fail = (detail: string) => new HttpError(401, { detail }, false, { 'WWW-Authenticate': 'Token' });
  if (parts.length === 1) throw fail('Invalid token header. No credentials provided.');
  if (parts.length > 2) throw fail('Invalid token header. Token string should not contain spaces.');
  const user = store.userByToken(parts[1]!);
  if (!user) throw fail('Invalid token.');
  return user;
}

export function createApi(store: Store, opts: ApiOptions) {
  const send = (ctx: ReqCtx, status: number, body: unknown, headers: Record<string, string> = {}) =>
    sendJson(ctx, store.apiOrigin, status, body, headers);

  /** statmaps/views.get_collection: numeric id (403 if private) or private token; anything else is a ValueError → 500. */
  function getCollection(idText: string): CollectionRecord {
    if (/^\d+$/.test(idText)) {
      const c = store.collections.get(Number(idText));
      if (!c) throw new HttpError(404, NOT_FOUND);
      if (c.token) throw new HttpError(403, FORBIDDEN);
      return c;
    }
    if (/^[A-Z]{8}$/.test(idText)) {
      const id = store.tokens.get(idText);
      const c = id === undefined ? undefined : store.collections.get(id);
      if (!c) throw new HttpError(404, NOT_FOUND);
      return c;
    }
    throw serverError();
  }

  function getImage(idText: string): ImageRecord {
    let im: ImageRecord | undefined;
    if (/^\d+$/.test(idText)) {
      im = store.getImage(Number(idText));
      if (im && store.collections.get(im.collectionId)?.token) im = undefined;
    } else {
      const m = /^([A-Z]{8})-(\d+)$/.exec(idText);
      if (!m) throw serverError();
      im = store.getImage(Number(m[2]));
      if (im && store.collections.get(im.collectionId)?.token !== m[1]) im = undefined;
    }
    if (!im) throw new HttpError(404, NOT_FOUND);
    return im;
  }

  const isPublic = (im: ImageRecord) => !store.collections.get(im.collectionId)?.token;
  const noImageType = (o: JsonObject) => { const { image_type: _drop, ...rest } = o; return rest; };

  function imagesOf(c: CollectionRecord, atlasesOnly = false): JsonObject[] {
    const out: JsonObject[] = [];
    for (const im of store.imagesOf(c).sort((a, b) => a.id - b.id)) {
      if (atlasesOnly) { if (im.kind === 'atlas') out.push(noImageType(im.obj)); }
      else out.push(im.obj);
    }
    return out;
  }

  function packObject(id: number): JsonObject {
    const p = store.packs.get(id)!;
    const statmaps = store.imagesOf(store.collections.get(p.collectionId)!)
      .filter((im) => im.kind === 'nidm' && im.fileName.startsWith(`${p.obj.name as string}/`))
      .map((im) => im.obj);
    const { id: pid, url, ...rest } = p.obj;
    return { id: pid, statmaps, url, ...rest };
  }

  function requireUser(user: User | undefined): User {
    if (!user) throw notAuthenticated();
    return user;
  }

  async function formOf(ctx: ReqCtx): Promise<{ body: JsonObject; form: ParsedForm; fromForm: boolean }> {
    const type = ctx.req.headers['content-type'] ?? '';
    const boundary = boundaryOf(type);
    if (boundary) {
      try {
        const form = await readMultipart(ctx.req, boundary);
        const body: JsonObject = {};
        for (const f of form.fields) body[f.name] = f.value;
        return { body, form, fromForm: true };
      } catch (e) {
        if (e instanceof MultipartError) throw new HttpError(400, { detail: `Multipart form parse error - ${e.message}` });
        throw e;
      }
    }
    if (/^multipart\/form-data/i.test(type)) {
      await readBody(ctx.req);
      throw new HttpError(400, { detail: 'Multipart form parse error - Invalid boundary in multipart: None' });
    }
    const raw = (await readBody(ctx.req)).toString('utf8');
    if (/^application\/json/i.test(type)) {
      let parsed: unknown;
      try { parsed = raw.trim() === '' ? {} : JSON.parse(raw); } catch (e) {
        throw new HttpError(400, { detail: `JSON parse error - ${(e as Error).message}` });
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new HttpError(400, { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
      }
      const body = parsed as JsonObject;
      const fields = Object.entries(body).map(([name, v]) => ({ name, value: typeof v === 'string' ? v : JSON.stringify(v) }));
      return { body, form: { fields, files: [] }, fromForm: false };
    }
    if (/^application\/x-www-form-urlencoded/i.test(type) || type === '') {
      const body: JsonObject = {};
      const fields = [...new URLSearchParams(raw)].map(([name, value]) => ({ name, value }));
      for (const f of fields) body[f.name] = f.value;
      return { body, form: { fields, files: [] }, fromForm: true };
    }
    throw new HttpError(415, { detail: `Unsupported media type "${type}" in request.` });
  }

  const hooked = (ctx: ReqCtx, rows: JsonObject[]) =>
    opts.lists?.hook?.(ctx.rawPath, new URLSearchParams(ctx.query), rows) ?? rows;

  const collectionsList: Handler = (ctx) => {
    let rows = [...store.collections.values()].filter((c) => !c.token);
    if (opts.doiFilter === 'honoured') {
      const q = new URLSearchParams(ctx.query);
      for (const key of ['DOI', 'name', 'owner'] as const) {
        const want = q.get(key);
        if (want !== null && want !== '') rows = rows.filter((c) => String(c.obj[key] ?? '') === want);
      }
    }
    send(ctx, 200, paginate(hooked(ctx, rows.map((c) => c.obj)), ctx.absUrl), { Allow: ALLOW_LIST_CREATE });
  };

  const collectionsCreate: Handler = async (ctx, _m, user) => {
    const u = requireUser(user);
    const { body, fromForm } = await formOf(ctx);
    const r = createCollection(store, u, body, fromForm);
    if (!r.ok) { send(ctx, r.status, r.body, { Allow: ALLOW_LIST_CREATE }); return; }
    const location = (r.value.obj.url as string).replace(`${store.apiOrigin}/`, `${ctx.reqOrigin}/`);
    send(ctx, 201, r.value.obj, { Allow: ALLOW_LIST_CREATE, Location: location });
  };

  const uploadImage: Handler = async (ctx, m, user) => {
    const u = requireUser(user);
    const c = getCollection(m[1]!);
    if (!store.isMember(c, u)) throw new HttpError(403, FORBIDDEN);
    const { form } = await formOf(ctx);
    const r = uploadStatmap(store, c, form);
    if (!r.ok) { send(ctx, r.status, r.body, { Allow: ALLOW_LIST_CREATE }); return; }
    send(ctx, 201, r.value.obj, { Allow: ALLOW_LIST_CREATE });
  };

  const myCollections = (user: User) =>
    [...store.collections.values()].filter((c) => store.isMember(c, user));

  const routes: Route[] = [
    {
      re: /^\/api\/$/, allow: ALLOW_READ, methods: {
        GET: (ctx) => send(ctx, 200, Object.fromEntries(
          ['collections', 'my_collections', 'images', 'atlases', 'nidm_results'].map((k) => [k, `${store.apiOrigin}/api/${k}/`]),
        ), { Allow: ALLOW_READ }),
      },
    },
    { re: /^\/api\/collections\/$/, allow: ALLOW_LIST_CREATE, methods: { GET: collectionsList, POST: collectionsCreate } },
    {
      re: /^\/api\/collections\/([^/]+)\/$/, allow: ALLOW_DETAIL, methods: {
        GET: (ctx, m) => send(ctx, 200, getCollection(m[1]!).obj, { Allow: ALLOW_DETAIL }),
      },
    },
    {
      re: /^\/api\/collections\/([^/]+)\/images\/$/, allow: ALLOW_LIST_CREATE, methods: {
        GET: (ctx, m) => send(ctx, 200, paginate(imagesOf(getCollection(m[1]!)), ctx.absUrl), { Allow: ALLOW_LIST_CREATE }),
        POST: uploadImage,
      },
    },
    {
      re: /^\/api\/collections\/([^/]+)\/atlases\/$/, allow: ALLOW_LIST_CREATE, methods: {
        GET: (ctx, m) => send(ctx, 200, paginate(imagesOf(getCollection(m[1]!), true), ctx.absUrl), { Allow: ALLOW_LIST_CREATE }),
      },
    },
    {
      re: /^\/api\/collections\/([^/]+)\/nidm_results\/$/, allow: ALLOW_LIST_CREATE, methods: {
        GET: (ctx, m) => send(ctx, 200, paginate(getCollection(m[1]!).packIds.map(packObject), ctx.absUrl), { Allow: ALLOW_LIST_CREATE }),
      },
    },
    {
      re: /^\/api\/my_collections\/$/, allow: ALLOW_LIST_CREATE, methods: {
        GET: (ctx, _m, user) => send(ctx, 200, paginate(myCollections(requireUser(user)).map((c) => c.obj), ctx.absUrl), { Allow: ALLOW_LIST_CREATE }),
        POST: collectionsCreate,
      },
    },
    {
      re: /^\/api\/my_collections\/([^/]+)\/$/, allow: ALLOW_DETAIL, methods: {
        GET: (ctx, m, user) => {
          const u = requireUser(user);
          if (!/^\d+$/.test(m[1]!)) throw serverError();
          const c = myCollections(u).find((x) => x.id === Number(m[1]));
          if (!c) throw new HttpError(404, NOT_FOUND);
          send(ctx, 200, c.obj, { Allow: ALLOW_DETAIL });
        },
      },
    },
    {
      re: /^\/api\/my_collections\/([^/]+)\/images\/$/, allow: ALLOW_LIST_CREATE, methods: {
        GET: (ctx, m, user) => { requireUser(user); send(ctx, 200, paginate(imagesOf(getCollection(m[1]!)), ctx.absUrl), { Allow: ALLOW_LIST_CREATE }); },
        POST: uploadImage,
      },
    },
    {
      re: /^\/api\/images\/$/, allow: ALLOW_READ, methods: {
        GET: (ctx) => {
          const rows: JsonObject[] = [];
          for (const im of store.allImages()) if (isPublic(im)) rows.push(im.obj);
          send(ctx, 200, paginate(hooked(ctx, rows), ctx.absUrl), { Allow: ALLOW_READ });
        },
      },
    },
    { re: /^\/api\/images\/([^/]+)\/$/, allow: ALLOW_DETAIL, methods: { GET: (ctx, m) => send(ctx, 200, getImage(m[1]!).obj, { Allow: ALLOW_DETAIL }) } },
    {
      re: /^\/api\/atlases\/$/, allow: ALLOW_READ, methods: {
        GET: (ctx) => {
          const rows: JsonObject[] = [];
          for (const im of store.allImages()) if (im.kind === 'atlas' && isPublic(im)) rows.push(noImageType(im.obj));
          send(ctx, 200, paginate(rows, ctx.absUrl), { Allow: ALLOW_READ });
        },
      },
    },
    {
      re: /^\/api\/atlases\/([^/]+)\/$/, allow: ALLOW_DETAIL, methods: {
        GET: (ctx, m) => {
          const im = getImage(m[1]!);
          if (im.kind !== 'atlas') throw new HttpError(404, NOT_FOUND);
          send(ctx, 200, noImageType(im.obj), { Allow: ALLOW_DETAIL });
        },
      },
    },
    {
      re: /^\/api\/nidm_results\/$/, allow: ALLOW_READ, methods: {
        GET: (ctx) => {
          const rows = [...store.packs.values()].filter((p) => !store.collections.get(p.collectionId)?.token).map((p) => packObject(p.id));
          send(ctx, 200, paginate(rows, ctx.absUrl), { Allow: ALLOW_READ });
        },
      },
    },
    {
      re: /^\/api\/nidm_results\/(\d+)\/$/, allow: ALLOW_DETAIL, methods: {
        GET: (ctx, m) => {
          const p = store.packs.get(Number(m[1]));
          if (!p || store.collections.get(p.collectionId)?.token) throw new HttpError(404, NOT_FOUND);
          send(ctx, 200, packObject(p.id), { Allow: ALLOW_DETAIL });
        },
      },
    },
    {
      // NV routes api/user without a trailing-slash requirement
      re: /^\/api\/user\/?$/, allow: ALLOW_READ, methods: {
        GET: (ctx, _m, user) => {
          const u = requireUser(user);
          send(ctx, 200, { id: u.id, username: u.username, email: u.email ?? '', first_name: '', last_name: '' }, { Allow: ALLOW_READ });
        },
      },
    },
  ];

  return async function handleApi(ctx: ReqCtx): Promise<void> {
    try {
      let route: Route | undefined;
      let m: RegExpExecArray | null = null;
      for (const r of routes) { m = r.re.exec(ctx.rawPath); if (m) { route = r; break; } }
      if (!route) {
        // Django CommonMiddleware APPEND_SLASH: redirect (any method) only if the slashed path resolves
        const slashed = `${ctx.rawPath}/`;
        if (!ctx.rawPath.endsWith('/') && routes.some((r) => r.re.test(slashed))) {
          ctx.res.writeHead(301, { Location: slashed + (ctx.query ? `?${ctx.query}` : ''), 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': '0' });
          ctx.res.end();
          return;
        }
        sendHtml(ctx, 404, NOT_FOUND_HTML);
        return;
      }
      const user = authenticate(store, ctx.req.headers.authorization);
      const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
      if (method === 'OPTIONS') {
        send(ctx, 200, {
          name: 'NeuroVault stand-in', description: '', renders: ['application/json', 'text/html'],
          parses: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
        }, { Allow: route.allow });
        return;
      }
      const handler = route.methods[method];
      if (!handler) throw new HttpError(405, { detail: `Method "${ctx.method}" not allowed.` }, false, { Allow: route.allow });
      await handler(ctx, m!, user);
    } catch (e) {
      if (ctx.res.headersSent || ctx.res.destroyed) return;
      if (e instanceof HttpError) {
        if (e.html) sendHtml(ctx, e.status, e.body as string, e.headers);
        else send(ctx, e.status, e.body, e.headers);
        return;
      }
      sendHtml(ctx, 500, SERVER_ERROR_HTML);
    }
  };
}
