// Mirrors DRF LimitOffsetPagination (NV StandardResultPagination) including its quirks:
// silent limit capping, bad values falling back to defaults, and links rebuilt with sorted,
// quote_plus-encoded query strings that always carry `limit`.

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** DRF `_positive_int`: Python int() semantics; invalid or out-of-range → undefined. */
function positiveInt(raw: string | null, strict: boolean, cutoff?: number): number | undefined {
  if (raw === null || !/^\s*[+-]?\d+\s*$/.test(raw)) return undefined;
  const n = Number.parseInt(raw.trim(), 10);
  if (n < 0 || (strict && n === 0)) return undefined;
  return cutoff === undefined ? n : Math.min(n, cutoff);
}

export function parseLimitOffset(q: URLSearchParams): { limit: number; offset: number } {
  const limit = positiveInt(q.get('limit'), true, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const offset = positiveInt(q.get('offset'), false) ?? 0;
  return { limit, offset };
}

/** Python urllib.parse.quote_plus (safe=''). */
function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Python parse_qs(keep_blank_values=True) → dict of lists, order of first appearance. */
function parseQs(query: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(query)) {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  return m;
}

function rebuild(absUrl: string, q: Map<string, string[]>): string {
  const base = absUrl.split('?')[0] ?? absUrl;
  const keys = [...q.keys()].sort();
  const parts: string[] = [];
  for (const k of keys) for (const v of q.get(k) ?? []) parts.push(`${quotePlus(k)}=${quotePlus(v)}`);
  return parts.length ? `${base}?${parts.join('&')}` : base;
}

export function replaceQueryParam(absUrl: string, key: string, value: string | number): string {
  const q = parseQs(absUrl.includes('?') ? absUrl.slice(absUrl.indexOf('?') + 1) : '');
  q.set(key, [String(value)]);
  return rebuild(absUrl, q);
}

export function removeQueryParam(absUrl: string, key: string): string {
  const q = parseQs(absUrl.includes('?') ? absUrl.slice(absUrl.indexOf('?') + 1) : '');
  q.delete(key);
  return rebuild(absUrl, q);
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** `absUrl` is the request's build_absolute_uri() (origin from Host + raw path and query). */
export function paginate<T>(items: readonly T[], absUrl: string): Page<T> {
  const query = absUrl.includes('?') ? absUrl.slice(absUrl.indexOf('?') + 1) : '';
  const { limit, offset } = parseLimitOffset(new URLSearchParams(query));
  const count = items.length;
  let next: string | null = null;
  if (offset + limit < count) {
    next = replaceQueryParam(replaceQueryParam(absUrl, 'limit', limit), 'offset', offset + limit);
  }
  let previous: string | null = null;
  if (offset > 0) {
    const withLimit = replaceQueryParam(absUrl, 'limit', limit);
    previous = offset - limit <= 0
      ? removeQueryParam(withLimit, 'offset')
      : replaceQueryParam(withLimit, 'offset', offset - limit);
  }
  return { count, next, previous, results: items.slice(offset, offset + limit) };
}
