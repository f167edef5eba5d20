import { resolveToken } from '../config.js';
import { rememberSecret } from '../http/redact.js';
import { Transport, type TransportOptions } from '../http/transport.js';
import { NeuroVaultClient } from './client.js';

export const DEFAULT_BASE_URL = 'https://neurovault.org';

export interface ClientOptions {
  /** Server root (the API is under /api/); default https://neurovault.org. */
  baseUrl?: string;
  /** API token, sent only to `baseUrl`'s origin; needed for private collections, create and upload. */
  token?: string;
  authScheme?: 'token' | 'bearer';
  /** Per-request timeout (default 30 s) and retries of idempotent requests (default 4). */
  timeoutMs?: number;
  retries?: number;
  userAgent?: string;
  /** Redacted request log. */
  log?: (line: string) => void;
  /** Notices the client would otherwise drop (a server that ignores a filter, …). */
  warn?: (message: string) => void;
  /** Called before every retry wait. */
  onRetry?: TransportOptions['onRetry'];
  /** No connection at all: every request is an OfflineError (exit 6), so only local work succeeds. */
  offline?: boolean;
}

/** A NeuroVault client over its own connection pool; `close()` it when done. */
export function createClient(opts: ClientOptions = {}): NeuroVaultClient & { close(): Promise<void> } {
  const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
  rememberSecret(opts.token);
  const transport = new Transport({
    baseUrl,
    token: opts.token,
    authScheme: opts.authScheme,
    timeoutMs: opts.timeoutMs,
    retries: opts.retries,
    userAgent: opts.userAgent ?? 'neurovault-cli',
    log: opts.log,
    onRetry: opts.onRetry,
    offline: opts.offline,
  });
  const client = new NeuroVaultClient(transport, baseUrl, { warn: opts.warn ?? (() => undefined) });
  return Object.assign(client, { close: () => transport.close() });
}

/**
 * The CLI's settings from an environment you pass (never read implicitly): NEUROVAULT_URL and the token
 * as the CLI finds it (NEUROVAULT_TOKEN, else the config written by `neurovault auth login` for that server).
 */
export async function clientOptionsFromEnv(env: NodeJS.ProcessEnv): Promise<ClientOptions> {
  const baseUrl = env.NEUROVAULT_URL?.trim() || DEFAULT_BASE_URL;
  const { token } = await resolveToken(env, undefined, baseUrl);
  return { baseUrl, token };
}
