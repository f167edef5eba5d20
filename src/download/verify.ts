import { UsageError } from '../errors.js';
import type { S3SessionOptions } from '../s3/session.js';
import { MANIFEST_FILE, isInsidePath } from './layout.js';
import { parseManifest, type ManifestEntry } from './manifest.js';
import { openSink } from './open-sink.js';
import { RefusedPath, type Sink } from './sink.js';

/** Files hashed at once: enough to keep a disk busy, few enough not to thrash a spinning one. */
const VERIFY_CONCURRENCY = 4;

export interface Mismatch {
  id: number;
  path: string;
  /** `refused`: not opened (outside the folder, not a regular file); `reason` says which. */
  problem: 'missing' | 'size' | 'sha256' | 'refused';
  reason?: string;
  expected_bytes: number;
  actual_bytes: number | null;
  expected_sha256: string;
  actual_sha256: string | null;
}

export type VerifyEvent =
  | { type: 'start'; files: number; bytes: number; dir: string }
  | { type: 'bytes'; bytes: number }
  | { type: 'file'; ok: boolean }
  | { type: 'warning'; message: string };

export interface VerifyOptions {
  /** Settings for an `s3://` folder. */
  s3?: S3SessionOptions;
  signal?: AbortSignal;
  /** The bound on one wait for another process's lock on the folder (default 60 s). */
  lockWaitMs?: number;
  onEvent?: (event: VerifyEvent) => void;
}

export interface VerifyResult {
  dir: string;
  checked: number;
  ok: number;
  /** By image id. */
  mismatches: Mismatch[];
  /** Bytes re-hashed. */
  bytes: number;
}

/**
 * A full re-hash of every manifest entry of a download folder (or `s3://` prefix), never trusting sizes
 * or times. No manifest is a UsageError; an interrupted run throws the signal's reason.
 */
export async function verifyDownload(dir: string | Sink, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const emit = opts.onEvent ?? (() => undefined);
  const notice = (message: string) => emit({ type: 'warning', message });
  const sink = typeof dir === 'string' ? await openSink(dir, { s3: opts.s3, lockWaitMs: opts.lockWaitMs, notice }) : dir;
  const signal = opts.signal ?? new AbortController().signal;
  try {
    const text = await sink.readText(MANIFEST_FILE);
    if (text === undefined) {
      throw new UsageError(`no ${MANIFEST_FILE} in ${sink.location}`, { hint: 'verify checks a folder written by "neurovault download"' });
    }
    const { entries, badLines } = parseManifest(text);
    if (badLines > 0) emit({ type: 'warning', message: `${MANIFEST_FILE}: ignored ${badLines} line(s) that are not entries` });
    const list = [...entries.values()];
    emit({ type: 'start', files: list.length, bytes: list.reduce((n, e) => n + e.bytes, 0), dir: sink.location });
    const mismatches: Mismatch[] = [];
    let bytes = 0;
    let next = 0;
    const check = async (e: ManifestEntry): Promise<void> => {
      const base = { id: e.id, path: e.path, expected_bytes: e.bytes, expected_sha256: e.sha256 };
      let found: Awaited<ReturnType<typeof sink.digest>>;
      try {
        if (!isInsidePath(e.path)) throw new RefusedPath(e.path, 'outside the folder');
        found = await sink.digest(e.path, signal);
      } catch (err) {
        if (!(err instanceof RefusedPath)) throw err;
        mismatches.push({ ...base, actual_bytes: null, actual_sha256: null, problem: 'refused', reason: err.why });
        emit({ type: 'file', ok: false });
        return;
      }
      const actual = { actual_bytes: found?.bytes ?? null, actual_sha256: found?.sha256 ?? null };
      if (!found) mismatches.push({ ...base, ...actual, problem: 'missing' });
      else if (found.bytes !== e.bytes) mismatches.push({ ...base, ...actual, problem: 'size' });
      else if (found.sha256 !== e.sha256) mismatches.push({ ...base, ...actual, problem: 'sha256' });
      bytes += found?.bytes ?? 0;
      emit({ type: 'bytes', bytes: found?.bytes ?? 0 });
      emit({ type: 'file', ok: found !== undefined && found.sha256 === e.sha256 });
    };
    await Promise.all(
      Array.from({ length: Math.min(VERIFY_CONCURRENCY, list.length) }, async () => {
        for (let e = list[next++]; e !== undefined && !signal.aborted; e = list[next++]) await check(e);
      }),
    );
    if (signal.aborted) throw signal.reason;
    mismatches.sort((a, b) => a.id - b.id);
    return { dir: sink.location, checked: list.length, ok: list.length - mismatches.length, mismatches, bytes };
  } finally {
    if (typeof dir === 'string') await sink.close?.();
  }
}
