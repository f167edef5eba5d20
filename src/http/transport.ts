// Before undici is loaded: V8 settings for the HTTP parser and transfer buffers (see the module).
import '../runtime/v8-tuning.js';
import type { Dispatcher, FormData } from 'undici';
// undici's package index also loads fetch, WebSocket, caches and mocks (~80 ms of every start-up here);
// the CLI needs only the Agent and request(). undici has no `exports` map, so these paths are public.
import Agent from 'undici/lib/dispatcher/agent.js';
import dispatchRequest from 'undici/lib/api/api-request.js';
import type { Readable } from 'node:stream';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { OfflineError } from '../errors.js';
import { BrokenResponseError, CrossOriginRedirectError, DeadlineError, HttpError, NetworkError, ResponseShapeError, errorCode, isBrokenResponse } from './errors.js';
import {
  DEFAULT_METHOD_RETRY,
  RETRYABLE_NETWORK_CODES,
  RETRYABLE_STATUSES,
  UNSENT_NETWORK_CODES,
  backoffDelay,
  parseRetryAfter,
  retryAfterRefusal,
  type RetryMode,
} from './retry-policy.js';
import { describeErrorBody } from './error-body.js';
import { redactUrl } from './redact.js';
import { DEADLINE_FACTOR, Deadline } from './deadline.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth.js';
import { quoted } from '../util/terminal-text.js';
import { DECODED_TOO_LARGE, GZIP_REQUEST_HEADERS, MAX_DECODED_BYTES, gzipDispatcher } from './decompress.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RequestBody = string | Uint8Array | Readable | FormData | AsyncIterable<Uint8Array>;
export type Headers = Record<string, string | string[] | undefined>;

/** Adds credentials to one attempt (called again on every retry and redirect, so signatures stay fresh). */
export type Signer = (req: { method: HttpMethod; url: URL; headers: Record<string, string>; target: string }) => void;

export interface TransportOptions {
  /** Origin that receives the API token; nothing else ever does. */
  baseUrl: string;
  token?: string;
  authScheme?: 'token' | 'bearer';
  timeoutMs?: number;
  retries?: number;
  userAgent: string;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Redacted request log (-v). */
  log?: (line: string) => void;
  /** Tests shrink waits through this instead of patching timers. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Max sockets per origin; callers bound their own concurrency below it. */
  connections?: number;
  /** Called before every retry wait of any request (the progress line shows why it waits). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /**
   * Offline mode: every request is refused with OfflineError before a socket is opened (no Agent is even
   * made). Enforced here, under every client, so no code path can reach the network by going around a check.
   */
  offline?: boolean;
}

export interface TransportRequest {
  method: HttpMethod;
  url: string | URL;
  /**
   * Path and query sent verbatim instead of the URL's (first hop only): WHATWG URL resolves `.` and `..`
   * segments, which are legal, distinct S3 keys. Must be on the URL's origin.
   */
  target?: string;
  headers?: Record<string, string>;
  /** A function is called once per attempt, so streamed bodies (files) are re-opened on retry. */
  body?: RequestBody | (() => RequestBody | Promise<RequestBody>);
  retry?: RetryMode;
  /** Statuses handed back to the caller instead of thrown; default 2xx. */
  okStatuses?: readonly number[];
  /** Send the API token when the URL is on the base origin (default true). */
  auth?: boolean;
  signer?: Signer;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Bound the whole exchange by DEADLINE_FACTOR × the timeout (read() only; json() sets it). With a request
   * body the deadline starts at the response headers, so an upload's own duration is not counted.
   */
  deadline?: boolean;
  /** Parses an error body for services whose errors are not DRF JSON (S3 XML). */
  describeError?: (text: string, contentType: string) => { detail?: string; code?: string } | undefined;
  /** Ask for gzip and decode it (capped); set by json(). Files never use it. */
  gzip?: boolean;
  /**
   * Refuse a redirect to a URL the token is not sent to (CrossOriginRedirectError): for answers that
   * must come from an authenticated request, such as the check that a token is valid.
   */
  tokenOriginOnly?: boolean;
}

export interface TransportResponse {
  status: number;
  headers: Headers;
  body: Dispatcher.ResponseData['body'];
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;

/** A failure inside one attempt that the retry loop may repeat. */
class AttemptFailure extends Error {
  constructor(
    readonly error: Error,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

/**
 * The one HTTP layer of the tool: a single keep-alive undici Agent, timeouts, retries with backoff and
 * jitter, manual redirects (never for non-GET), the API token only on the base origin, and typed errors.
 * The NeuroVault and S3 clients both sit on it.
 */
export class Transport {
  readonly baseOrigin: string;
  readonly offline: boolean;
  private readonly agent?: Agent;
  private gzipAgent?: Dispatcher;
  private readonly opts: Required<Omit<TransportOptions, 'token' | 'log' | 'connections' | 'onRetry' | 'offline'>> &
    Pick<TransportOptions, 'token' | 'log' | 'onRetry'>;

  constructor(options: TransportOptions) {
    this.baseOrigin = new URL(options.baseUrl).origin;
    this.offline = options.offline === true;
    this.opts = {
      baseUrl: options.baseUrl,
      token: options.token,
      authScheme: options.authScheme ?? 'token',
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 4,
      userAgent: options.userAgent,
      retryBaseMs: options.retryBaseMs ?? 300,
      retryMaxMs: options.retryMaxMs ?? 20_000,
      log: options.log,
      onRetry: options.onRetry,
      sleep: options.sleep ?? ((ms, signal) => sleepMs(ms, undefined, { signal })),
    };
    if (this.offline) return;
    this.agent = new Agent({
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 30_000,
      connections: options.connections ?? 32,
      connect: { timeout: this.opts.timeoutMs },
    });
  }

  /** Whether the API token would be sent to this URL. */
  sendsTokenTo(url: string | URL): boolean {
    return this.opts.token !== undefined && new URL(url).origin === this.baseOrigin;
  }

  /**
   * One request; the response body is the caller's to consume (or `dump()`). Non-ok statuses become
   * HttpError after their body was read for the server's message.
   */
  async send(req: TransportRequest): Promise<TransportResponse> {
    return this.withRetries(req, (attempt) => this.attempt(req, attempt));
  }

  /** A request whose whole body is read inside the retry loop, so a truncated body is retried too. */
  async read<T>(req: TransportRequest, reader: (res: TransportResponse) => Promise<T>): Promise<T> {
    return this.withRetries(req, async (attempt) => {
      const deadline = req.deadline
        ? new Deadline(DEADLINE_FACTOR * (req.timeoutMs ?? this.opts.timeoutMs), req.signal)
        : undefined;
      if (req.body === undefined) deadline?.start();
      try {
        const res = await this.attempt(deadline ? { ...req, signal: deadline.signal } : req, attempt);
        deadline?.start();
        try {
          return await reader(res);
        } catch (err) {
          // A reader may refuse an answer before reading it: the body is destroyed unread, and the abort
          // error that undici then emits must not crash the process as an unhandled 'error' event.
          res.body.on('error', () => undefined);
          res.body.destroy();
          if (err instanceof AttemptFailure) throw err;
          if (isBrokenResponse(err)) throw new AttemptFailure(new BrokenResponseError(req.method, redactUrl(res.url), err), true);
          const code = errorCode(err);
          if (code && RETRYABLE_NETWORK_CODES.has(code)) {
            throw new AttemptFailure(new NetworkError(req.method, redactUrl(res.url), err), true);
          }
          throw err;
        }
      } catch (err) {
        // Not retried: a server that needed DEADLINE_FACTOR timeouts for one answer will not do better next time.
        if (deadline?.expired) throw new AttemptFailure(new DeadlineError(req.method, redactUrl(req.url), deadline.ms), false);
        throw err;
      } finally {
        deadline?.clear();
      }
    });
  }

  /** GET/POST returning parsed JSON (undefined for 204). */
  async json(req: TransportRequest): Promise<unknown> {
    const deadline = req.deadline ?? true;
    const headers = { accept: 'application/json', ...GZIP_REQUEST_HEADERS, ...req.headers };
    return this.read({ ...req, deadline, headers, gzip: true }, async (res) => {
      if (res.status === 204) {
        await res.body.dump();
        return undefined;
      }
      const text = await res.body.text().catch((err: unknown) => {
        if (errorCode(err) !== DECODED_TOO_LARGE) throw err;
        throw new HttpError({
          method: req.method,
          url: redactUrl(res.url),
          status: res.status,
          detail: `the compressed response decodes to more than ${MAX_DECODED_BYTES / 1024 / 1024} MiB; refused (a gzip bomb or a broken server)`,
        });
      });
      let value: unknown;
      try {
        value = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new HttpError({
          method: req.method,
          url: redactUrl(res.url),
          status: res.status,
          detail: `expected JSON, got ${describeContentType(res.headers)}: ${quoted(text.slice(0, 1000))}`,
        });
      }
      // Checked here, once, so that no later step (validation, output) recurses into a hostile nesting.
      if (nestedDeeperThan(value)) {
        throw new ResponseShapeError(redactUrl(res.url), `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
      return value;
    });
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  private async withRetries<T>(req: TransportRequest, run: (attempt: number) => Promise<T>): Promise<T> {
    const mode = req.retry ?? DEFAULT_METHOD_RETRY[req.method] ?? 'never';
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(attempt);
      } catch (err) {
        if (!(err instanceof AttemptFailure)) throw err;
        const canRetry = err.retryable && mode !== 'never' && attempt <= this.opts.retries;
        const unsentOnly = mode === 'unsent' && !isUnsent(err.error);
        if (!canRetry || unsentOnly || req.signal?.aborted) throw err.error;
        const delayMs = Math.min(
          this.opts.retryMaxMs * 3,
          err.retryAfterMs ?? backoffDelay(attempt, { baseMs: this.opts.retryBaseMs, maxMs: this.opts.retryMaxMs }),
        );
        this.opts.onRetry?.({ attempt, delayMs, reason: err.error.message });
        this.opts.log?.(`retry ${attempt}/${this.opts.retries} in ${delayMs} ms: ${err.error.message}`);
        await this.opts.sleep(delayMs, req.signal);
      }
    }
  }

  private async attempt(req: TransportRequest, attemptNo: number): Promise<TransportResponse> {
    let url = new URL(req.url);
    // Not an AttemptFailure: nothing to retry, nothing was sent.
    const agent = this.agent;
    if (!agent) throw new OfflineError(`${req.method} ${redactUrl(url)}: not sent, offline mode is on (--offline / NEUROVAULT_OFFLINE)`);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {
        'user-agent': this.opts.userAgent,
        accept: 'application/json',
        ...req.headers,
      };
      if (req.auth !== false && this.sendsTokenTo(url)) {
        headers.authorization = `${this.opts.authScheme === 'bearer' ? 'Bearer' : 'Token'} ${this.opts.token}`;
      }
      const body = typeof req.body === 'function' ? await req.body() : req.body;
      const target = hop === 0 && req.target !== undefined ? req.target : `${url.pathname}${url.search}`;
      req.signer?.({ method: req.method, url, headers, target });
      const started = Date.now();
      this.opts.log?.(`> ${req.method} ${redactUrl(url)}${attemptNo > 1 ? ` (attempt ${attemptNo})` : ''}`);
      let res: Dispatcher.ResponseData;
      try {
        const dispatcher = req.gzip ? (this.gzipAgent ??= gzipDispatcher(agent)) : agent;
        res = await dispatchRequest.call(dispatcher, {
          origin: url.origin,
          path: target,
          method: req.method,
          headers,
          body: body as Dispatcher.DispatchOptions['body'],
          signal: req.signal,
          headersTimeout: req.timeoutMs ?? this.opts.timeoutMs,
          bodyTimeout: req.timeoutMs ?? this.opts.timeoutMs,
        });
      } catch (err) {
        if (req.signal?.aborted) throw err;
        if (isBrokenResponse(err)) throw new AttemptFailure(new BrokenResponseError(req.method, redactUrl(url), err), true);
        const code = errorCode(err);
        const failure = new NetworkError(req.method, redactUrl(url), err);
        throw new AttemptFailure(failure, code !== undefined && RETRYABLE_NETWORK_CODES.has(code));
      }
      this.opts.log?.(`< ${res.statusCode} ${req.method} ${redactUrl(url)} (${Date.now() - started} ms)`);
      const ok = req.okStatuses ? req.okStatuses.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 300;
      if (ok) return { status: res.statusCode, headers: res.headers, body: res.body, url };

      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
        await res.body.dump();
        const target = new URL(location, url);
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          throw new HttpError({
            method: req.method,
            url: redactUrl(url),
            status: res.statusCode,
            detail: `the server redirected to ${redactUrl(target)}; a ${req.method} is never redirected (a missing trailing slash or an http:// base URL)`,
          });
        }
        if (req.tokenOriginOnly && target.origin !== this.baseOrigin) {
          throw new CrossOriginRedirectError({
            method: req.method,
            url: redactUrl(url),
            status: res.statusCode,
            target: redactUrl(target),
            detail: `the server redirected to ${redactUrl(target)}, where the token is never sent`,
          });
        }
        if (hop >= MAX_REDIRECTS) {
          throw new HttpError({ method: req.method, url: redactUrl(url), status: res.statusCode, detail: 'too many redirects' });
        }
        url = target;
        continue;
      }
      const retryable = RETRYABLE_STATUSES.has(res.statusCode);
      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      // One policy with the download engine: a wait above the cap means "down", not "slow down".
      const refusal = retryable ? retryAfterRefusal(retryAfterMs) : undefined;
      const error = await this.errorFrom(req, url, res, refusal);
      throw new AttemptFailure(error, retryable && !refusal, retryAfterMs);
    }
  }

  private async errorFrom(req: TransportRequest, url: URL, res: Dispatcher.ResponseData, note?: string): Promise<HttpError> {
    let text = '';
    try {
      text = await readCapped(res.body, MAX_ERROR_BODY);
    } catch {
      // The status alone still tells the story; a broken error body must not hide it.
    }
    const contentType = String(res.headers['content-type'] ?? '');
    const custom = req.describeError?.(text, contentType);
    const described = custom ?? describeErrorBody(text, contentType, res.statusCode);
    return new HttpError({
      method: req.method,
      url: redactUrl(url),
      status: res.statusCode,
      headers: res.headers,
      ...described,
      ...(note ? { detail: described.detail ? `${note} (${described.detail})` : note } : {}),
    });
  }
}

function isUnsent(err: Error): boolean {
  const code = errorCode(err);
  return err instanceof NetworkError && code !== undefined && UNSENT_NETWORK_CODES.has(code);
}

async function readCapped(body: Dispatcher.ResponseData['body'], cap: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= cap) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeContentType(headers: Headers): string {
  const ct = headers['content-type'];
  return ct ? String(ct).split(';')[0]! : 'no content type';
}
