import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { HttpError, brokenResponseReason, errorCode, isBrokenResponse } from '../http/errors.js';
import { OfflineError } from '../errors.js';
import {
  RETRYABLE_NETWORK_CODES,
  RETRYABLE_STATUSES,
  backoffDelay,
  parseRetryAfter,
  retryAfterRefusal,
  type BackoffOptions,
} from '../http/retry-policy.js';
import type { Transport } from '../http/transport.js';
import { noteBytesMoved } from '../runtime/v8-tuning.js';
import { BreakerOpenError, type Breaker } from './breaker.js';
import { CheckFailure, ContentObserver, checkComplete, htmlContentType, type Expectations } from './checks.js';
import type { ChunkWriter, ResumeToken, Sink, StagedFile } from './sink.js';

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
  /** The slowest body accepted (see MinRate); none when absent. */
  minRate?: MinRate;
}

/**
 * A body must bring at least `bytesPerSecond` on average over each `windowMs`, or the attempt fails (and
 * is retried, resuming what arrived). An idle timeout alone never fires on a server that trickles a byte
 * a second, and a total deadline would fail honest large files on slow links.
 */
export interface MinRate {
  windowMs: number;
  bytesPerSecond: number;
}

/** 1 KiB/s: far below any working link, far above a trickle meant to hold a worker forever. */
export const MIN_BODY_BYTES_PER_SECOND = 1024;

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

/** The body came slower than the minimum rate: a transient failure; the bytes that came are good. */
class TooSlow extends Error {}

/** The server's partial answer did not line up with our bytes: start over at once, no backoff. */
class Misaligned extends Error {}

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
  if (err instanceof TruncatedBody || err instanceof TooSlow) return { retry: true, transient: true, reset: false, message };
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
    // The transport's policy: a wait above the cap means the server is down for this run.
    const refusal = retryAfterRefusal(after);
    return {
      retry: refusal === undefined,
      // 429 proves the server is up and answering; it only asks us to slow down.
      transient: err.status !== 429,
      reset: false,
      retryAfterMs: after,
      message: refusal ? `${said}: ${refusal}` : said,
    };
  }
  const code = errorCode(err);
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) return { retry: true, transient: true, reset: false, message };
  // Bytes written before the fault were read before it too: kept, like a truncation.
  if (isBrokenResponse(err)) return { retry: true, transient: true, reset: false, message: `the server sent a broken response (${brokenResponseReason(err)})` };
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
  // Which server version the kept bytes are a prefix of: from an earlier run, then from each 200.
  const version: { token?: ResumeToken } = { token: staged.resumeToken };
  let settled = false;
  try {
    for (let attempt = 1; ; attempt++) {
      if (deps.breaker.open) throw new BreakerOpenError();
      try {
        await deps.breaker.ready(deps.signal);
        const { bytes, sha256 } = await attemptOnce(job, staged, version, deps);
        settled = true;
        deps.breaker.success();
        return { bytes, sha256, attempts: attempt, resumed, commit: () => staged.commit() };
      } catch (err) {
        // Offline mode: nothing was sent, nothing to retry or count against the server.
        if (deps.signal.aborted || err instanceof OfflineError) throw err;
        const v = judge(err);
        if (v.reset) {
          await staged.reset();
          version.token = undefined;
        }
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
    if (!settled) await staged.suspend(version.token);
  }
}

async function attemptOnce(
  job: FileJob,
  staged: StagedFile,
  version: { token?: ResumeToken },
  deps: FetchDeps,
): Promise<{ bytes: number; sha256: string }> {
  // Kept bytes whose server version is unknown could be spliced onto another version: start over.
  if (staged.keptBytes > 0 && !usableValidator(version.token?.validator)) await staged.reset();
  const kept = staged.keptBytes;
  let observer = new ContentObserver(job.expect.ext);
  const headers: Record<string, string> = { 'accept-encoding': 'identity', accept: '*/*' };
  if (kept > 0) {
    headers.range = `bytes=${kept}-`;
    // A server whose file changed since answers 200 with the whole new file instead of a 206.
    headers['if-range'] = version.token!.validator;
  }
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
  let watchdog: NodeJS.Timeout | undefined;
  try {
    const range = parseContentRange(res.headers['content-range']);
    const knownTotal = version.token?.total ?? job.expect.bytes;
    if (res.status === 416) {
      await body.dump();
      consumed = true;
      // The kept bytes may already be the whole file (interrupted between the last byte and the rename).
      if (kept > 0 && range?.total === kept && (knownTotal === undefined || knownTotal === kept)) {
        for await (const chunk of staged.readKept()) await feed(observer, chunk);
        return await finish(observer, job.expect);
      }
      throw new Misaligned(`the server refused the range ${headers.range ?? ''}`);
    }
    if (res.status === 206) {
      const said = `the server answered range ${String(res.headers['content-range'])} to ${headers.range ?? 'no range'}`;
      if (kept === 0 || range === undefined || range.start !== kept) throw new Misaligned(said);
      // The total must be the one of the version the kept bytes came from, or the splice is of two files.
      if (range.total === undefined || (knownTotal !== undefined && range.total !== knownTotal)) {
        throw new Misaligned(`${said}, not of the ${knownTotal ?? 'known'}-byte file being resumed`);
      }
      const etag = strongEtag(res.headers.etag);
      if (etag !== undefined && isEtag(version.token!.validator) && etag !== version.token!.validator) {
        throw new Misaligned(`${said} with ETag ${etag}, not the ${version.token!.validator} being resumed`);
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
    if (res.status === 200) {
      if (kept > 0) await staged.reset();
      const validator = strongEtag(res.headers.etag) ?? headerValue(res.headers['last-modified']);
      version.token = usableValidator(validator) ? { validator: validator!, total: length } : undefined;
    }
    if (res.status === 206) {
      for await (const chunk of staged.readKept()) await feed(observer, chunk);
    } else {
      observer.dispose();
      observer = new ContentObserver(job.expect.ext);
    }
    const before = observer.bytes;
    consumed = true;
    if (deps.minRate) watchdog = watchRate(body, () => observer.bytes, deps.minRate);
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
    clearInterval(watchdog);
    const received = observer.bytes - before;
    if (length !== undefined && received < length) {
      throw new TruncatedBody(`the body ended after ${received} of ${length} bytes`);
    }
    return await finish(observer, job.expect);
  } finally {
    clearInterval(watchdog);
    observer.dispose();
    if (!consumed) body.destroy();
  }
}

/**
 * Fails the body when fewer than `minRate` bytes per second came during the last window. Checked per
 * window rather than per chunk, so a stall of a few seconds in an otherwise fast transfer is allowed.
 */
function watchRate(body: Readable, bytes: () => number, minRate: MinRate): NodeJS.Timeout {
  const minBytes = (minRate.bytesPerSecond * minRate.windowMs) / 1000;
  let last = bytes();
  const timer = setInterval(() => {
    const now = bytes();
    if (now - last < minBytes) {
      const seconds = minRate.windowMs / 1000;
      const floor = `${Math.round(minRate.bytesPerSecond / 1024)} KiB/s`;
      body.destroy(new TooSlow(`the server sent ${now - last} bytes in ${seconds} s, below the minimum rate of ${floor}`));
    }
    last = now;
  }, minRate.windowMs);
  timer.unref();
  return timer;
}

async function feed(observer: ContentObserver, chunk: Buffer): Promise<void> {
  observer.observe(chunk);
  if (observer.saturated) await observer.drained();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A strong ETag (If-Range accepts no weak one), or undefined. */
function strongEtag(value: string | string[] | undefined): string | undefined {
  const v = headerValue(value)?.trim();
  return v !== undefined && isEtag(v) ? v : undefined;
}

function isEtag(v: string): boolean {
  return /^"[^"]*"$/.test(v);
}

/** Visible ASCII of a sane length: anything else is not sent back in a header. */
function usableValidator(v: string | undefined): boolean {
  return v !== undefined && v.length > 0 && v.length <= 256 && /^[\x21-\x7e][\x20-\x7e]*$/.test(v);
}

async function finish(observer: ContentObserver, expect: Expectations): Promise<{ bytes: number; sha256: string }> {
  const sha256 = observer.sha256();
  checkComplete(observer, expect, sha256);
  await observer.settle();
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
    let paused = false;
    const resume = () => {
      paused = false;
      body.resume();
    };
    body.on('data', (chunk: Buffer) => {
      observer.observe(chunk);
      onBytes?.(chunk.length);
      try {
        writer.write(chunk);
      } catch (err) {
        body.destroy(err as Error);
        return;
      }
      if (observer.failure) body.destroy(observer.failure);
      else if (observer.saturated && !paused) {
        paused = true;
        body.pause();
        void observer.drained().then(resume);
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
    await feed(observer, chunk as Buffer);
    if (observer.failure) throw observer.failure;
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
