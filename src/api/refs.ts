import { UsageError } from '../errors.js';

/** A collection is addressed by numeric id or, when private, by its 8-letter token (API.md §2). */
export type CollectionRef = { kind: 'id'; id: number } | { kind: 'token'; token: string };
/** Images of private collections are `TOKEN-<id>`. */
export type ImageRef = { kind: 'id'; id: number } | { kind: 'token'; token: string; id: number };

const TOKEN = /^[A-Z]{8}$/;
const ID = /^[1-9]\d{0,11}$/;

export function collectionRefPath(ref: CollectionRef): string {
  return ref.kind === 'id' ? String(ref.id) : ref.token;
}

export function imageRefPath(ref: ImageRef): string {
  return ref.kind === 'id' ? String(ref.id) : `${ref.token}-${ref.id}`;
}

/** Numeric id, private token, or a neurovault collection URL (web or API); undefined when it is none. */
export function tryCollectionRef(input: string): CollectionRef | undefined {
  const s = input.trim();
  if (ID.test(s)) return { kind: 'id', id: Number(s) };
  if (TOKEN.test(s)) return { kind: 'token', token: s };
  const path = urlPath(s);
  const m = path && /^\/(?:api\/)?(?:my_)?collections\/([^/]+)\/?$/.exec(path);
  if (m) return tryCollectionRef(m[1]!);
  return undefined;
}

export function parseCollectionRef(input: string): CollectionRef {
  const ref = tryCollectionRef(input);
  if (!ref) {
    throw new UsageError(
      `invalid collection "${input}": expected a numeric id, an 8-letter private token or a collection URL`,
    );
  }
  return ref;
}

/** Numeric id, `TOKEN-id`, or an image URL (`/images/<id>/`, `/collections/<TOKEN>/images/<id>/`). */
export function tryImageRef(input: string): ImageRef | undefined {
  const s = input.trim();
  if (ID.test(s)) return { kind: 'id', id: Number(s) };
  const tok = /^([A-Z]{8})-([1-9]\d{0,11})$/.exec(s);
  if (tok) return { kind: 'token', token: tok[1]!, id: Number(tok[2]) };
  const path = urlPath(s);
  if (!path) return undefined;
  const direct = /^\/(?:api\/)?images\/([^/]+)\/?$/.exec(path);
  if (direct) return tryImageRef(direct[1]!);
  const nested = /^\/collections\/([A-Z]{8})\/images\/([1-9]\d{0,11})\/?$/.exec(path);
  if (nested) return { kind: 'token', token: nested[1]!, id: Number(nested[2]) };
  return undefined;
}

export function parseImageRef(input: string): ImageRef {
  const ref = tryImageRef(input);
  if (!ref) {
    throw new UsageError(`invalid image "${input}": expected a numeric id, TOKEN-id or an image URL`);
  }
  return ref;
}

/**
 * The DOI itself, case kept (what Crossref is asked with): any `doi:` or resolver prefix removed and
 * percent-escapes decoded. Returns undefined when the text is not a DOI.
 */
export function bareDoi(input: string): string | undefined {
  let s = input.trim();
  s = s.replace(/^doi:\s*/i, '');
  s = s.replace(/^https?:\/\/(?:dx\.)?doi\.org\//i, '');
  if (/%[0-9a-f]{2}/i.test(s)) {
    try {
      s = decodeURIComponent(s);
    } catch {
      return undefined;
    }
  }
  s = s.trim();
  return /^10\.\d{4,9}\/\S+$/.test(s) ? s : undefined;
}

/** DOIs are case-insensitive (DOI Handbook §2.4), so matching uses the lower-cased bare DOI. */
export function normalizeDoi(input: string): string | undefined {
  return bareDoi(input)?.toLowerCase();
}

/**
 * The normalised DOIs a collection answers to: its paper's `DOI` and, since 2025, its preprint's
 * `preprint_DOI` (a collection may have only that one). Each DOI once.
 */
export function collectionDois(c: { DOI?: unknown; preprint_DOI?: unknown }): string[] {
  const out: string[] = [];
  for (const v of [c.DOI, c.preprint_DOI]) {
    const doi = typeof v === 'string' ? normalizeDoi(v) : undefined;
    if (doi && !out.includes(doi)) out.push(doi);
  }
  return out;
}

export function invalidDoi(input: string): UsageError {
  return new UsageError(`invalid DOI "${input}": expected 10.NNNN/suffix, doi:10.NNNN/suffix or https://doi.org/10.NNNN/suffix`);
}

export function parseDoi(input: string): string {
  const doi = normalizeDoi(input);
  if (!doi) throw invalidDoi(input);
  return doi;
}

function urlPath(s: string): string | undefined {
  if (!/^https?:\/\//i.test(s)) return undefined;
  try {
    return new URL(s).pathname;
  } catch {
    return undefined;
  }
}
