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
