import { CliError, ExitCode } from '../errors.js';
import { DEADLINE_FACTOR } from './deadline.js';

/** Exit code for an HTTP status, per SPEC: 400 → 2, 401/403 → 3, 404 → 4, the rest → 1. */
export function exitCodeForStatus(status: number): number {
  if (status === 400 || status === 422) return ExitCode.usage;
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 404 || status === 410) return ExitCode.notFound;
  return ExitCode.failure;
}

export interface HttpErrorInit {
  method: string;
  url: string;
  status: number;
  /** The server's own words: DRF `detail`, field messages, an S3 error message, or an HTML page's title. */
  detail?: string;
  /** `field: message` lines from a DRF 400 body. */
  fieldErrors?: string[];
  /** Machine-readable code when the server gives one (S3 `<Code>`). */
  code?: string;
  headers?: Record<string, string | string[] | undefined>;
  hint?: string;
}

/** The server answered with a status we did not ask for. */
export class HttpError extends CliError {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly detail?: string;
  readonly fieldErrors: string[];
  readonly code?: string;
  readonly headers: Record<string, string | string[] | undefined>;
  constructor(init: HttpErrorInit) {
    const fields = init.fieldErrors ?? [];
    // One line names a few fields; `fieldErrors` keeps them all for callers that list them (uploads).
    const named = fields.length > 3 ? `${fields.slice(0, 3).join('; ')}; …` : fields.join('; ');
    const why = init.detail ?? (named || `HTTP ${init.status}`);
    super(`${init.method} ${init.url}: ${init.status}${init.code ? ` ${init.code}` : ''}: ${why}`, {
      exitCode: exitCodeForStatus(init.status),
      hint: init.hint,
    });
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.detail = init.detail;
    this.fieldErrors = init.fieldErrors ?? [];
    this.code = init.code;
    this.headers = init.headers ?? {};
  }
}

/**
 * A redirect to a URL the API token is never sent to, on a request that asked to stay with it
 * (`TransportRequest.tokenOriginOnly`): the answer there would be anonymous, so it proves nothing.
 */
export class CrossOriginRedirectError extends HttpError {
  readonly target: string;
  constructor(init: HttpErrorInit & { target: string }) {
    super(init);
    this.target = init.target;
  }
}

/** No HTTP answer at all: DNS, refused, reset, timeout. Keeps undici's real cause. */
export class NetworkError extends CliError {
  readonly method: string;
  readonly url: string;
  readonly code?: string;
  constructor(method: string, url: string, cause: unknown) {
    const code = errorCode(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${method} ${url}: ${code ? `${code}: ` : ''}${reason}`, {
      exitCode: ExitCode.failure,
      cause,
      hint: hintForNetworkCode(code),
    });
    this.method = method;
    this.url = url;
    this.code = code;
  }
}

/**
 * The answer broke HTTP itself (a chunk size that is no number, a header undici cannot parse) or its
 * `Content-Encoding` (gzip announced, something else sent): a broken server or proxy, not our bug. One
 * line, exit 1; the transport retries it like a reset connection where the method allows.
 */
export class BrokenResponseError extends CliError {
  readonly reason: string;
  constructor(method: string, url: string, cause: unknown) {
    const reason = brokenResponseReason(cause);
    super(`${method} ${url}: the server sent a broken response (${reason})`, { exitCode: ExitCode.failure, cause });
    this.reason = reason;
  }
}

/**
 * llhttp's parse errors and zlib's decoding errors (Z_*, Brotli's ERR__ERROR_*). undici 7 names the
 * former `HTTPParserError` but often leaves its `code` undefined (it looks the number up in a map keyed by
 * name), so the name is what is tested.
 */
export function isBrokenResponse(err: unknown): boolean {
  return err instanceof BrokenResponseError || parserError(err) !== undefined || decodingError(err);
}

/** The cause in a few words: llhttp's own reason without undici's preamble, zlib's with the encoding named. */
export function brokenResponseReason(err: unknown): string {
  if (err instanceof BrokenResponseError) return err.reason;
  const parse = parserError(err);
  if (parse) return /\(([^()]{1,200})\)\s*$/.exec(parse.message)?.[1] ?? 'not HTTP/1.1';
  const message = err instanceof Error ? err.message : String(err);
  if (decodingError(err)) return `the body does not decode as its Content-Encoding says: ${message.slice(0, 200)}`;
  return message.slice(0, 200);
}

function parserError(err: unknown): Error | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    if ((e as Error).name === 'HTTPParserError' || String((e as { code?: unknown }).code).startsWith('HPE_')) return e as Error;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function decodingError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_'));
}

/** The server answered, but not completely within the whole-request deadline (see http/deadline.ts). */
export class DeadlineError extends CliError {
  constructor(method: string, url: string, deadlineMs: number) {
    super(`${method} ${url}: no complete answer within ${deadlineMs / 1000} s (${DEADLINE_FACTOR} × --timeout); the server is too slow or trickling`, {
      exitCode: ExitCode.failure,
      hint: 'raise --timeout if the server is only slow',
    });
  }
}

/** The HTTP call worked but the body broke the contract (kept apart from HttpError, as ky does). */
export class ResponseShapeError extends CliError {
  readonly url: string;
  constructor(url: string, problem: string) {
    super(`unexpected response from ${url}: ${problem}`, { exitCode: ExitCode.failure });
    this.url = url;
  }
}

/** undici and node errors carry the useful part in `code`, sometimes one `cause` down. */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function hintForNetworkCode(code: string | undefined): string | undefined {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'check the host name in --base-url / NEUROVAULT_URL and your network connection';
    case 'ECONNREFUSED':
      return 'nothing is listening there; check --base-url / NEUROVAULT_URL';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'the server is slow to answer; raise --timeout or try again later';
    default:
      return undefined;
  }
}
