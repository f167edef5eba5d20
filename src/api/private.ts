import { HttpError } from '../http/errors.js';

/**
 * Private collections (API.md §2, §12). The API reaches one only through its private token, 8 upper-case
 * letters, which is shown nowhere but inside the collection's web URL; its numeric id answers 403, even to
 * its owner. A collection created private through the API gets a lower-case hex token instead
 * (`uuid4()[:8]`), which the API cannot resolve at all: by token 500, by id 403, PATCH 404.
 */

/** The token in a collection's web URL (`…/collections/<token>/`), whatever its form; undefined for an id. */
export function tokenInUrl(url: string): string | undefined {
  const m = /\/collections\/([^/]+)\/?$/.exec(url);
  return m && !/^\d+$/.test(m[1]!) ? m[1] : undefined;
}

/** A token the API resolves (`^[A-Z]{8}$`, get_collection's pattern). */
export function usableToken(token: string | undefined): token is string {
  return token !== undefined && /^[A-Z]{8}$/.test(token);
}

/** What the owner of a private collection can do instead of using its numeric id. */
export function privateCollectionAdvice(c: { id: number; url: string }): string {
  const token = tokenInUrl(c.url);
  if (usableToken(token)) {
    return `collection ${c.id} is private: the API answers 403 to its numeric id, even for its owner; use its token ${token} instead`;
  }
  return (
    `collection ${c.id} is private, and NeuroVault's API cannot reach it: its token ${token ? `"${token}" ` : ''}is not the ` +
    '8 upper-case letters the API resolves (collections created private through the API get such a token), and its numeric id answers 403'
  );
}

/** The same HTTP failure, with advice for its hint. */
export function withAdvice(err: HttpError, hint: string): HttpError {
  return new HttpError({
    method: err.method,
    url: err.url,
    status: err.status,
    detail: err.detail,
    fieldErrors: err.fieldErrors,
    code: err.code,
    headers: err.headers,
    hint,
  });
}

/** What `collections create --private` made, and what will and will not work with it. */
export function createdPrivateNotice(c: { id: number; url: string }): string {
  const token = tokenInUrl(c.url);
  if (usableToken(token)) return `created private collection ${c.id}; address it by its token ${token} (its numeric id answers 403)`;
  return (
    `created collection ${c.id} as private, but NeuroVault's API cannot reach it: its token${token ? ` "${token}"` : ''} ` +
    '(in its URL) is not the 8 upper-case letters the API resolves, so asking by token fails (HTTP 500), asking by id is ' +
    'refused (403, even to its owner) and it cannot be made public through the API (404); to upload to a collection with ' +
    'this tool, create it without --private'
  );
}
