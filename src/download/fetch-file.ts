import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { HttpError, errorCode } from '../http/errors.js';
import { RETRYABLE_NETWORK_CODES, RETRYABLE_STATUSES, backoffDelay, parseRetryAfter, type BackoffOptions } from '../http/retry-policy.js';
import type { Transport } from '../http/transport.js';
import { noteBytesMoved } from '../runtime/v8-tuning.js';
import { BreakerOpenError, type Breaker } from './breaker.js';
import { CheckFailure, ContentObserver, checkComplete, htmlContentType, type Expectations } from './checks.js';
import type { ChunkWriter, Sink, StagedFile } from './sink.js';

export interface FileJob {
  url: string;
  /** Layout path of the final file. */
  path: string;
  expect: Expectations;
  /** See StageOptions.resumeStamp. */
  resumeStamp?: number;
}

export interface FetchedFile {
  bytes: number;
  sha256: string;
  attempts: number;
  /** Continued bytes kept by an earlier run. */
  resumed: boolean;
  /**
   * Publishes the checked file under its final name. Left to the caller so the rename (and the last
   * write) overlap the next request; until it is called the file is only a `*.part`.
   */
  commit(): Promise<void>;
}

export interface FetchDeps {
  transport: Pick<Transport, 'send'>;
  sink: Sink;
  breaker: Breaker;
  /** Attempts per file = retries + 1, the same budget as every other idempotent request. */
  retries: number;
  backoff: BackoffOptions;
  signal: AbortSignal;
  /** Body bytes as they arrive (progress). */
  onBytes?: (n: number) => void;
}

/** A file that could not be fetched after its attempts; `integrity` marks a lock (`--frozen`) mismatch. */
export class FileFailure extends Error {
  constructor(
    message: string,
    readonly integrity = false,
  ) {
    super(message);
    this.name = 'FileFailure';
  }
}

/** The body ended before Content-Length: the bytes we have are good, so the next attempt resumes. */
class TruncatedBody extends Error {}

/** The server's partial answer did not line up with our bytes: start over at once, no backoff. */
class Misaligned extends Error {}

/** Longest wait a Retry-After may impose on one attempt; a server asking for more is treated as down. */
const MAX_RETRY_AFTER_MS = 60_000;

interface Verdict {
  retry: boolean;
  /** Counts toward the circuit breaker: the server or the network is failing, not this one file. */
  transient: boolean;
  /** The stored bytes are wrong and must not be continued. */
  reset: boolean;
  retryAfterMs?: number;
  message: string;
  integrity?: boolean;
}

function judge(err: unknown): Verdict {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Misaligned) return { retry: true, transient: false, reset: true, retryAfterMs: 0, message };
  if (err instanceof TruncatedBody) return { retry: true, transient: true, reset: false, message };
  if (err instanceof CheckFailure) {
    return { retry: true, transient: err.kind === 'size', reset: true, message, integrity: err.kind === 'sha256' };
  }
  if (err instanceof HttpError) {
    // The transport's wording is about API bodies ("…, not JSON"); for a file the status says it all.
    const said = `${err.method} ${err.url}: HTTP ${err.status}`;
    if (!RETRYABLE_STATUSES.has(err.status)) {
      const why = err.status === 404 || err.status === 410 ? ' (the file is missing on the server)' : err.detail ? ` (${err.detail})` : '';
      return { retry: false, transient: false, reset: false, message: `${said}${why}` };
    }
    const after = parseRetryAfter(err.headers['retry-after']);
    return {
      retry: after === undefined || after <= MAX_RETRY_AFTER_MS,
      // 429 proves the server is up and answering; it only asks us to slow down.
      transient: err.status !== 429,
      reset: false,
      retryAfterMs: after,
      message: said,
    };
  }
  const code = errorCode(err);
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) return { retry: true, transient: true, reset: false, message };
  return { retry: false, transient: false, reset: false, message };
}

/**
 * Downloads one file into the sink with its own retry loop, because failures while streaming a body
 * (reset, truncation, a bad check) happen after the transport has handed the response over. Kept bytes
 * are continued with `Range` when the server answers 206 and dropped when it answers 200. The file is
 * committed only after every check passed; otherwise it is suspended (resumable) or discarded (bad bytes).
 */
export async function fetchFile(job: FileJob, deps: FetchDeps): Promise<FetchedFile> {
  const staged = await deps.sink.stage(job.path, { resumeStamp: job.resumeStamp });
  const resumed = staged.keptBytes > 0;
  let settled = false;
  try {
    for (let attempt = 1; ; attempt++) {
      if (deps.breaker.open) throw new BreakerOpenError();
      try {
        await deps.breaker.ready(deps.signal);
        const { bytes, sha256 } = await attemptOnce(job, staged, deps);
        settled = true;
        deps.breaker.success();
        return { bytes, sha256, attempts: attempt, resumed, commit: () => staged.commit() };
      } catch (err) {
        if (deps.signal.aborted) throw err;
        const v = judge(err);
        if (v.reset) await staged.reset();
        if (v.transient) deps.breaker.failure(v.message);
        else if (!v.retry) deps.breaker.success();
        if (!v.retry || attempt > deps.retries) {
          if (v.reset) {
            await staged.discard();
            settled = true;
          }
          throw new FileFailure(attempt > 1 ? `${v.message} (after ${attempt} attempts)` : v.message, v.integrity);
        }
        if (deps.breaker.open) throw new BreakerOpenError();
        const delay = v.retryAfterMs ?? backoffDelay(attempt, deps.backoff);
        if (v.retryAfterMs !== undefined && delay > 0) deps.breaker.pause(delay);
        if (delay > 0) await sleep(delay, undefined, { signal: deps.signal });
      }
    }
  } finally {
    if (!settled) await staged.suspend();
  }
}

async function attemptOnce(job: FileJob, staged: StagedFile, deps: FetchDeps): Promise<{ bytes: number; sha256: string }> {
  let observer = new ContentObserver();
  const kept = staged.keptBytes;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', accept: '*/*' };
  if (kept > 0) headers.range = `bytes=${kept}-`;
  const res = await deps.transport.send({
    method: 'GET',
    url: job.url,
    headers,
    okStatuses: [200, 206, 416],
    retry: 'never',
    signal: deps.signal,
  });
  const body = res.body;
  // A body dropped unread (a check failed on the headers) must not crash the process with its abort error.
  body.on('error', () => undefined);
  let consumed = false;
  try {
    const range = parseContentRange(res.headers['content-range']);
    if (res.status === 416) {
      await body.dump();
      consumed = true;
      // The kept bytes may already be the whole file (interrupted between the last byte and the rename).
      if (kept > 0 && range?.total === kept) {
        for await (const chunk of staged.readKept()) observer.observe(chunk);
        return finish(observer, job.expect);
      }
      throw new Misaligned(`the server refused the range ${headers.range ?? ''}`);
    }
    if (res.status === 206) {
      if (kept === 0 || range === undefined || range.start !== kept) {
        throw new Misaligned(`the server answered range ${String(res.headers['content-range'])} to ${headers.range ?? 'no range'}`);
      }
    }
    if (htmlContentType(res.headers['content-type'])) {
      throw new CheckFailure(`got an HTML page (${String(res.headers['content-type'])}) instead of the file`);
    }
    const length = parseLength(res.headers['content-length']);
    const total = res.status === 206 ? range?.total : length;
    if (total !== undefined && job.expect.bytes !== undefined && total !== job.expect.bytes) {
      throw new CheckFailure(`the server sends ${total} bytes, its file_size says ${job.expect.bytes}`, 'size');
    }
    if (res.status === 200 && kept > 0) await staged.reset();
    if (res.status === 206) {
      for await (const chunk of staged.readKept()) observer.observe(chunk);
    } else {
      observer = new ContentObserver();
    }
    const before = observer.bytes;
    consumed = true;
    if (staged.writer) {
      const writer = await staged.writer();
      try {
        await pump(body, observer, writer, deps.onBytes);
      } finally {
        writer.close();
      }
    } else {
      await staged.append(tap(body, observer, deps.onBytes));
    }
    const received = observer.bytes - before;
    if (length !== undefined && received < length) {
      throw new TruncatedBody(`the body ended after ${received} of ${length} bytes`);
    }
    return finish(observer, job.expect);
  } finally {
    if (!consumed) body.destroy();
  }
}

function finish(observer: ContentObserver, expect: Expectations): { bytes: number; sha256: string } {
  const sha256 = observer.sha256();
  checkComplete(observer, expect, sha256);
  return { bytes: observer.bytes, sha256 };
}

/**
 * Feeds a body to a synchronous writer from 'data' events: no promise per chunk. Settles once the body
 * ended (resolve) or failed, was destroyed, or could not be stored (reject).
 */
function pump(body: Readable, observer: ContentObserver, writer: ChunkWriter, onBytes?: (n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // Failed or closed while the writer was being opened: its events are already past.
    if (body.errored) return reject(body.errored);
    if (body.destroyed) return reject(new Error('the response body closed before its end'));
    let ended = false;
    body.on('data', (chunk: Buffer) => {
      observer.observe(chunk);
      onBytes?.(chunk.length);
      try {
        writer.write(chunk);
      } catch (err) {
        body.destroy(err as Error);
      }
      noteBytesMoved(chunk.length);
    });
    body.once('end', () => {
      ended = true;
      resolve();
    });
    body.once('error', reject);
    body.once('close', () => {
      if (!ended) reject(new Error('the response body closed before its end'));
    });
  });
}

async function* tap(body: Readable, observer: ContentObserver, onBytes?: (n: number) => void): AsyncIterable<Buffer> {
  for await (const chunk of body) {
    observer.observe(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

function parseLength(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

// `bytes 100-199/200`, `bytes 100-199/*`, or `bytes */200` (the 416 form).
function parseContentRange(value: string | string[] | undefined): { start?: number; total?: number } | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const m = v === undefined ? null : /^\s*bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)\s*$/i.exec(v);
  if (!m) return undefined;
  return { start: m[1] === undefined ? undefined : Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}
