import type * as z from 'zod/mini';
import type { Transport } from '../http/transport.js';
import { CrossOriginRedirectError, HttpError, ResponseShapeError } from '../http/errors.js';
import { AuthError } from '../errors.js';
import { privateCollectionAdvice, withAdvice } from './private.js';
import { redactUrl } from '../http/redact.js';
import { Collection, CollectionDoi, Image, MAX_COLLECTIONS, MAX_IMAGES, Page, User, type PageOf } from './schemas.js';
import { collectionDois, collectionRefPath, imageRefPath, normalizeDoi, type CollectionRef, type ImageRef } from './refs.js';
import { mapLimit } from '../util/map-limit.js';
import { collectionName, imageName, namedList, refNotFound } from './not-found.js';

/** The server caps `limit` at 1000 (DRF max_limit); asking for more is silently cut. */
export const MAX_PAGE = 1000;
export const DEFAULT_LIMIT = 100;
/**
 * Pages followed beyond what `count` announces: a list that grows while it is paged needs a few more;
 * a server whose `next` never ends does not get them.
 */
const EXTRA_PAGES = 5;

export interface ListOptions {
  /** Stop after this many items (after local filtering); ignored with `all`. */
  limit?: number;
  all?: boolean;
  /** Sent to the server; the live server may ignore them, so callers re-check locally. */
  query?: Record<string, string | number | undefined>;
  /** Local predicate; pages keep coming until `limit` items passed it. */
  filter?: (item: never) => boolean;
  /** Sees each page before its items are yielded (field checks, "showing n of m"); may throw to stop. */
  onPage?: (page: { results: readonly object[]; count: number }) => void;
  signal?: AbortSignal;
}

export interface ScanOptions<T> {
  concurrency?: number;
  signal?: AbortSignal;
  /** Items per page (default and server maximum 1000). */
  pageSize?: number;
  firstPage?: PageOf<T>;
  skip?: (offset: number) => boolean;
  /** Upper bound on a believable `count` (default: the collections bound). */
  maxCount?: number;
  onPage: (offset: number, page: PageOf<T>) => void | Promise<void>;
}

export interface ClientHooks {
  warn(message: string): void;
}

export interface DoiLookup {
  matches: Collection[];
  /** How the answer was found, so the command can tell the user. */
  method: 'server-filter' | 'scan';
  /** Every public collection, when a scan was needed (to cache as the index). */
  scanned?: Collection[];
}

/**
 * Typed NeuroVault endpoints. Builds URLs (always with the trailing slash Django needs), validates every
 * body with zod, pages through DRF lists. Never prints: warnings go through `hooks.warn`.
 */
export class NeuroVaultClient {
  readonly origin: string;

  constructor(
    readonly transport: Transport,
    readonly baseUrl: string,
    private readonly hooks: ClientHooks = { warn: () => undefined },
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  /** `/api/<path>/`: a missing slash costs a 301 on GET and silently turns a POST into a GET. */
  apiUrl(path: string, query?: Record<string, string | number | undefined>): URL {
    const clean = path.replace(/^\/+/, '').replace(/\/*$/, '/');
    const url = new URL(`${this.baseUrl}/api/${clean}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** GET + zod validation; a shape problem names the path inside the body. */
  async getJson<S extends z.ZodMiniType>(url: URL, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    const body = await this.transport.json({ method: 'GET', url, signal });
    return parseBody(schema, body, url);
  }

  async getCollection(ref: CollectionRef, signal?: AbortSignal): Promise<Collection> {
    try {
      return await this.getJson(this.apiUrl(`collections/${collectionRefPath(ref)}`), Collection, signal);
    } catch (err) {
      throw refNotFound(await this.explainForbidden(err, ref, signal), collectionName(ref));
    }
  }

  /**
   * A 403 on a collection's numeric id: a private collection (a public one never refuses a GET), or a
   * write by someone who is neither owner nor contributor. When the caller owns it (it is in their
   * /api/my_collections/), the error says what works instead; otherwise it is returned unchanged.
   */
  async explainForbidden(err: unknown, ref: CollectionRef, signal?: AbortSignal): Promise<unknown> {
    if (!(err instanceof HttpError) || err.status !== 403 || ref.kind !== 'id') return err;
    const own = await this.getJson(this.apiUrl(`my_collections/${ref.id}`), Collection, signal).catch(() => undefined);
    return own?.private === true && own.id === ref.id ? withAdvice(err, privateCollectionAdvice(own)) : err;
  }

  getImage(ref: ImageRef, signal?: AbortSignal): Promise<Image> {
    return this.getJson(this.apiUrl(`images/${imageRefPath(ref)}`), Image, signal).catch((err: unknown) => {
      throw refNotFound(err, imageName(ref));
    });
  }

  /**
   * The token's owner. Only an answer to a request that carried the token counts: a redirect to another
   * origin (where the transport never sends it) would bring back an anonymous answer that proves nothing
   * about the token, so it fails as not confirmed (exit 3) instead.
   */
  async user(signal?: AbortSignal): Promise<User> {
    const url = this.apiUrl('user');
    let body: unknown;
    try {
      body = await this.transport.json({ method: 'GET', url, signal, tokenOriginOnly: true });
    } catch (err) {
      if (!(err instanceof CrossOriginRedirectError)) throw err;
      throw new AuthError(`the token was not confirmed: ${redactUrl(url)} redirected to ${err.target}, another server, where the token is never sent`, {
        hint: `if that is where the API lives now, pass it as --base-url (${new URL(err.target).origin})`,
        cause: err,
      });
    }
    return parseBody(User, body, url);
  }

  listCollections(opts: ListOptions = {}): AsyncGenerator<Collection> {
    return this.paginate(this.apiUrl('collections'), Collection, opts, MAX_COLLECTIONS);
  }

  myCollections(opts: ListOptions = {}): AsyncGenerator<Collection> {
    return this.paginate(this.apiUrl('my_collections'), Collection, opts, MAX_COLLECTIONS);
  }

  /** Ordered by id on the server, so paging is stable. */
  collectionImages(ref: CollectionRef, opts: ListOptions = {}): AsyncGenerator<Image> {
    return namedList(this.paginate(this.apiUrl(`collections/${collectionRefPath(ref)}/images`), Image, opts), collectionName(ref));
  }

  listImages(opts: ListOptions = {}): AsyncGenerator<Image> {
    return this.paginate(this.apiUrl('images'), Image, opts);
  }

  /**
   * DRF pages as one stream of items: follows `next`, dedupes by id (top-level lists have no ORDER BY,
   * so pages may overlap), and warns when the total seen differs from `count`. A `next` that was already
   * fetched, an empty page that still has a `next`, or more pages than `count` allows end the stream with
   * an error (after the items already yielded): a server's paging must not loop the client forever.
   */
  async *paginate<S extends z.ZodMiniType<{ id: number }>>(
    first: URL,
    item: S,
    opts: ListOptions = {},
    maxCount = MAX_IMAGES,
  ): AsyncGenerator<z.infer<S>> {
    const want = opts.all ? Infinity : Math.max(0, opts.limit ?? DEFAULT_LIMIT);
    if (want === 0) return;
    const pageSize = Math.min(MAX_PAGE, want === Infinity ? MAX_PAGE : Math.max(want, DEFAULT_LIMIT));
    const url = new URL(first);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    url.searchParams.set('limit', String(pageSize));
    const pageSchema = Page(item, maxCount);
    const seen = new Set<number>();
    const fetched = new Set<string>();
    let emitted = 0;
    let next: URL | undefined = url;
    let count = 0;
    let maxPages = Infinity;
    let complete = false;
    while (next) {
      const at: URL = next;
      fetched.add(at.href);
      const page = (await this.getJson(at, pageSchema, opts.signal)) as PageOf<z.infer<S>>;
      count = page.count;
      // Pages of the size the server really serves (it may cap `limit` lower than asked).
      if (fetched.size === 1) maxPages = Math.ceil(count / Math.max(1, page.results.length)) + EXTRA_PAGES;
      opts.onPage?.(page);
      for (const it of page.results) {
        if (seen.has(it.id)) continue;
        seen.add(it.id);
        if (opts.filter && !(opts.filter as (i: unknown) => boolean)(it)) continue;
        yield it;
        if (++emitted >= want) return;
      }
      next = page.next ? this.sameServer(page.next) : undefined;
      if (!next) complete = true;
      else if (fetched.has(next.href)) throw brokenPaging(at, `its next link leads back to a page already fetched (${redactUrl(next)})`);
      else if (page.results.length === 0) throw brokenPaging(at, 'an empty page that still links to a next one');
      else if (fetched.size >= maxPages) {
        throw brokenPaging(at, `still a next link after ${fetched.size} pages, though count ${count} needs ${maxPages - EXTRA_PAGES}`);
      }
    }
    if (complete && seen.size !== count) {
      this.hooks.warn(
        `the server reported ${count} items but returned ${seen.size} distinct ones (the list changed while paging); re-run to be sure`,
      );
    }
  }

  /**
   * Every item of a list, fetching pages of 1000 in parallel (offsets known from the first page's
   * `count`) instead of following `next` one page at a time.
   */
  async scanAll<S extends z.ZodMiniType<{ id: number }>>(
    path: URL,
    item: S,
    opts: Omit<ScanOptions<z.infer<S>>, 'onPage'> & { onPage?: ScanOptions<z.infer<S>>['onPage'] } = {},
  ): Promise<z.infer<S>[]> {
    const byId = new Map<number, z.infer<S>>();
    const { count } = await this.scanPages(path, item, {
      ...opts,
      onPage: (offset, page) => {
        for (const it of page.results) if (!byId.has(it.id)) byId.set(it.id, it);
        return opts.onPage?.(offset, page);
      },
    });
    if (byId.size !== count) {
      this.hooks.warn(
        `the server reported ${count} items but returned ${byId.size} distinct ones (the list changed, or it is unordered and pages overlapped)`,
      );
    }
    return [...byId.values()];
  }

  /**
   * The pages of a list at offsets known from the first page's `count`, `concurrency` in flight, each
   * handed to `onPage` as it arrives (so a caller can store them instead of holding the whole list).
   * Offsets for which `skip` says true (already stored by an interrupted run) are not fetched.
   */
  async scanPages<S extends z.ZodMiniType<{ id: number }>>(
    path: URL,
    item: S,
    opts: ScanOptions<z.infer<S>>,
  ): Promise<{ count: number; pageSize: number }> {
    const pageSchema = Page(item, opts.maxCount ?? MAX_COLLECTIONS);
    const size = opts.pageSize ?? MAX_PAGE;
    const pageUrl = (offset: number) => {
      const u = new URL(path);
      u.searchParams.set('limit', String(size));
      if (offset > 0) u.searchParams.set('offset', String(offset));
      return u;
    };
    const first =
      opts.firstPage ?? ((await this.getJson(pageUrl(0), pageSchema, opts.signal)) as PageOf<z.infer<S>>);
    const offsets: number[] = [];
    for (let off = first.results.length || size; off < first.count; off += size) if (!opts.skip?.(off)) offsets.push(off);
    const last = Math.floor((first.count - 1) / size) * size;
    // An empty page before the last one stops the scan: `count` promised rows that are not there. (The last
    // one may be empty when the list shrank meanwhile; the caller's count check reports that.)
    const stop = new AbortController();
    const onAbort = () => stop.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let firstHanded: Promise<void> | undefined;
      const rest = mapLimit(offsets, opts.concurrency ?? 4, async (off) => {
        const page = (await this.getJson(pageUrl(off), pageSchema, stop.signal)) as PageOf<z.infer<S>>;
        if (page.results.length === 0 && off < last) {
          const error = brokenPaging(pageUrl(off), `an empty page at offset ${off}, though count is ${first.count}`);
          stop.abort(error);
          throw error;
        }
        await firstHanded; // pages are handed on after the first
        await opts.onPage(off, page);
      });
      // The first page is handed on while the others are on their way: once the event loop has sent them.
      firstHanded = new Promise<void>((resolve) => setImmediate(resolve)).then(() => opts.onPage(0, first));
      await Promise.all([firstHanded, rest]).catch((err: unknown) => {
        stop.abort(err);
        throw err;
      });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    return { count: first.count, pageSize: size };
  }


  /**
   * Collections whose `DOI` or `preprint_DOI` matches, compared case-insensitively after normalisation.
   * `?DOI=` is sent, but the live server ignores it (django-filter ≥ 22.1 dropped `filter_fields`): then
   * the whole list is scanned in parallel pages. Only the first page's `count` decides which other pages
   * are asked for: the server runs 4 workers for everyone, and a page past the end holds nothing. A scan's
   * pages go to `onScanPage` as they arrive (a DOI index is built from them).
   */
  async findCollectionsByDoi(
    doi: string,
    signal?: AbortSignal,
    onScanPage?: (collections: CollectionDoi[]) => void,
  ): Promise<DoiLookup> {
    const target = normalizeDoi(doi) ?? doi.toLowerCase();
    const matchesDoi = (c: CollectionDoi) => collectionDois(c).includes(target);
    const pageUrl = this.apiUrl('collections', { DOI: doi, limit: MAX_PAGE });
    const first = (await this.getJson(pageUrl, Page(CollectionDoi, MAX_COLLECTIONS), signal)) as PageOf<CollectionDoi>;
    const honoured = first.results.length > 0 && first.results.every((c) => typeof c.DOI === 'string' && normalizeDoi(c.DOI) === target);
    const full = (rows: CollectionDoi[]) => rows.filter(matchesDoi).map((c) => parseBody(Collection, c, pageUrl));
    // A working filter answers on `DOI` alone; a collection holding this DOI as its preprint would only
    // show in a full scan, which a server that filters is not asked for (no such server is known).
    if (honoured && first.count <= first.results.length) {
      return { matches: full(first.results), method: 'server-filter' };
    }
    // Ignored filter (foreign DOIs came back), or an exact-match filter that missed a case variant:
    // only the full list can answer.
    const ignored = !honoured && first.results.length > 0;
    const all = await this.scanAll(this.apiUrl('collections'), CollectionDoi, {
      signal,
      firstPage: ignored ? first : undefined,
      onPage: onScanPage && ((_offset, page) => onScanPage(page.results)),
    });
    return { matches: full(all), method: 'scan', scanned: all as Collection[] };
  }

  /**
   * `next` links are built by the server from its own idea of the request (they may say http:// when
   * we called https://). Same host → keep our origin, so the token rule and TLS stay as the user set them.
   */
  private sameServer(link: string): URL {
    const next = new URL(link, this.baseUrl);
    const base = new URL(this.baseUrl);
    // Only a scheme flip on default ports (http://host/ for https://host/); another port is another server.
    if (next.hostname === base.hostname && next.protocol !== base.protocol && next.port === '' && base.port === '') {
      return new URL(`${next.pathname}${next.search}`, base.origin);
    }
    return next;
  }
}

function brokenPaging(url: URL, problem: string): ResponseShapeError {
  return new ResponseShapeError(redactUrl(url), `${problem}; stopped paging`);
}

export function parseBody<S extends z.ZodMiniType>(schema: S, body: unknown, url: URL): z.infer<S> {
  const problem = shapeProblem(schema, body);
  // The schemas have no transforms, so the validated input is the value: returning it (not zod's copy)
  // keeps the server's key order for -o json.
  if (problem === undefined) return body as z.infer<S>;
  throw new ResponseShapeError(redactUrl(url), problem);
}

/** What is wrong with `value` for `schema`, naming the field (`Invalid input at image_type`); undefined when it fits. */
export function shapeProblem(schema: z.ZodMiniType, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const { issue, path } = deepestIssue(result.error.issues, []);
  const where = path.length ? ` at ${path.join('.')}` : '';
  return `${issue?.message ?? 'invalid body'}${where}`;
}

type Issue = z.core.$ZodIssue;

/**
 * A union's own message ("Invalid input") says nothing; the branch that failed least (for polymorphic
 * images: the one whose `image_type` matched) names the real field.
 */
function deepestIssue(issues: readonly Issue[], prefix: PropertyKey[]): { issue?: Issue; path: PropertyKey[] } {
  const issue = issues[0];
  if (!issue) return { path: prefix };
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const best = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
    return deepestIssue(best, path);
  }
  return { issue, path };
}
