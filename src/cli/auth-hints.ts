import type { TokenSource } from '../config.js';

/** The words used wherever a missing or rejected token is explained (errors, auth commands). */

export function tokenPage(baseUrl: string): string {
  return `${baseUrl}/accounts/token/`;
}

/** How to get a token in: never suggests a flag that carries the token itself. */
export function loginHint(baseUrl: string): string {
  return `set NEUROVAULT_TOKEN, pass --token-file <path>, or run "neurovault auth login" (get your key at ${tokenPage(baseUrl)})`;
}

export const BEARER_HINT =
  'the server asks for "Authorization: Token <key>" but --auth-scheme is bearer; neurovault.org has accepted only Token since 2023, so drop --auth-scheme bearer';

/**
 * A 403 the library could not explain. A GET of a collection by numeric id is refused only when the
 * collection is private (public ones are readable by anyone); anything else is a write by someone who is
 * neither the owner nor a contributor.
 */
export function forbiddenHint(method: string, url: string): string {
  const id = /\/api\/(?:my_)?collections\/(\d+)\//.exec(url)?.[1];
  if (method === 'GET' && id !== undefined) {
    return `collection ${id} is private: the API answers 403 to its numeric id, even for its owner; address it by the 8-letter token in its web URL`;
  }
  return 'only the owner or a contributor of the collection may do this; check that the token is theirs';
}

export function rejectedHint(baseUrl: string, scheme: 'token' | 'bearer'): string {
  if (scheme === 'bearer') return BEARER_HINT;
  return `copy the key again from ${tokenPage(baseUrl)} (regenerating it there invalidates the old one)`;
}

export function describeTokenSource(source: TokenSource, where: { tokenFile?: string; configPath: string }): string {
  switch (source) {
    case 'env':
      return 'NEUROVAULT_TOKEN';
    case 'token-file':
      return `--token-file ${where.tokenFile ?? ''}`.trim();
    case 'config':
      return where.configPath;
    default:
      return 'nowhere';
  }
}
