/** Retry policy as data (after ky's normalize.ts): which failures are worth another try, and how long to wait. */

export type RetryMode =
  /** GET/HEAD/PUT/DELETE: safe to repeat on network errors and transient statuses. */
  | 'idempotent'
  /** POST/PATCH: repeat only when the connection failed before anything was sent (no duplicate images). */
  | 'unsent'
  | 'never';

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures after which repeating an idempotent request is safe and often works. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** Failures that prove the request never reached the server, so even a POST may be repeated. */
export const UNSENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

export const DEFAULT_METHOD_RETRY: Record<string, RetryMode> = {
  GET: 'idempotent',
  HEAD: 'idempotent',
  PUT: 'idempotent',
  DELETE: 'idempotent',
  OPTIONS: 'idempotent',
  POST: 'unsent',
  PATCH: 'unsent',
};

export interface BackoffOptions {
  /** First delay; doubles each attempt. */
  baseMs: number;
  /** No single wait longer than this, Retry-After included. */
  maxMs: number;
  random?: () => number;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so parallel workers spread out. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  const rnd = (opts.random ?? Math.random)();
  return Math.round(exp / 2 + (exp / 2) * rnd);
}

/**
 * Longest `Retry-After` worth waiting out. A server asking for more (`Retry-After: 999999`) is down for
 * this run: the transport and the download engine both stop at once instead of sleeping through retries.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Why a requested wait is refused, or undefined when it is fine to wait. */
export function retryAfterRefusal(retryAfterMs: number | undefined): string | undefined {
  if (retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS) return undefined;
  return `the server asked to retry after ${Math.ceil(retryAfterMs / 1000)} s (more than ${MAX_RETRY_AFTER_MS / 1000} s: not waiting)`;
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
