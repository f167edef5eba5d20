import type { BackoffOptions } from '../http/retry-policy.js';
import type { Transport } from '../http/transport.js';
import { OfflineError } from '../errors.js';
import { Breaker, BreakerOpenError } from './breaker.js';
import type { Expectations } from './checks.js';
import { FileFailure, fetchFile, type MinRate } from './fetch-file.js';
import { ManifestWriter, serializeEntry, serializeEntryWith, sidecarText, type ManifestEntry } from './manifest.js';
import type { Progress } from './progress.js';
import { RefusedPath, type Sink } from './sink.js';
import { describeFsError } from '../util/fs-error.js';

/** One image to bring into the layout. */
export interface DownloadItem {
  id: number;
  collectionId: number;
  fileUrl: string;
  /** Layout paths (layout.ts). */
  path: string;
  metadataPath: string;
  expect: Expectations;
  modifyDate: string | null;
  /** The full server image object, written beside the file and into the manifest. */
  metadata: Record<string, unknown>;
}

export interface EngineOptions {
  transport: Pick<Transport, 'send'>;
  sink: Sink;
  concurrency: number;
  /** Refetch even what verifies. */
  force: boolean;
  retries: number;
  backoff: BackoffOptions;
  breakerThreshold: number;
  signal: AbortSignal;
  /** The manifest as it was when the run started: what may be skipped. */
  previous: ReadonlyMap<number, ManifestEntry>;
  /**
   * Files this run already hashed and found right (an install from a lock checks every file against it
   * before planning): skipped without a second hash pass, whatever the manifest says.
   */
  proven?: ReadonlyMap<number, { bytes: number; sha256: string }>;
  progress: Progress;
  /** A notice on stderr. */
  warn: (message: string) => void;
  /** See FetchDeps.minRate. */
  minRate?: MinRate;
}

export interface Failure {
  item: DownloadItem;
  reason: string;
  /** A `--frozen` sha256 mismatch (exit 5) rather than a transfer failure (exit 1). */
  integrity: boolean;
}

export interface Outcome {
  /** Manifest entries of every image now in place (fetched or skipped), by id. */
  done: Map<number, ManifestEntry>;
  fetched: number;
  skipped: number;
  /** Bytes of the files fetched in this run. */
  bytes: number;
  failures: Failure[];
  /** Images never started because the run stopped (breaker or interrupt). */
  notStarted: number;
  /** Set when the circuit breaker stopped the run: the last failure seen. */
  serverDown?: string;
  interrupted: boolean;
}

interface Landed {
  entry: ManifestEntry;
  texts: MetadataTexts;
  fetched: boolean;
  /** The manifest line differs from the previous run's. */
  changed: boolean;
  /** Puts a fetched file under its final name (see FetchedFile.commit). */
  commit?: () => Promise<void>;
}

/** How many transient failures in a row (all workers together) mean the server is down. */
export const DEFAULT_BREAKER_THRESHOLD = 20;

/**
 * Runs the download: `concurrency` workers pull images from one list (one keep-alive pool underneath),
 * skip what the manifest and the bytes on disk already prove, fetch the rest through fetchFile, and record
 * each finished image in the manifest as it lands, so an interrupt keeps everything finished so far.
 */
export async function runEngine(items: readonly DownloadItem[], opts: EngineOptions): Promise<Outcome> {
  const manifest = new ManifestWriter(opts.sink, undefined, opts.signal);
  const breaker = new Breaker(opts.breakerThreshold);
  const outcome: Outcome = { done: new Map(), fetched: 0, skipped: 0, bytes: 0, failures: [], notStarted: 0, interrupted: false };
  let next = 0;
  let stopped = false;
  let started = 0;
  /** Offline mode met a file that must be fetched: the run stops and says so (exit 6), not one failure per file. */
  let offline: OfflineError | undefined;

  const deps = {
    transport: opts.transport,
    sink: opts.sink,
    breaker,
    retries: opts.retries,
    backoff: opts.backoff,
    signal: opts.signal,
    onBytes: (n: number) => opts.progress.bytes(n),
    minRate: opts.minRate,
  };

  /** The network half of one image: verify what is there, or fetch the file into place. */
  const land = async (item: DownloadItem): Promise<Landed> => {
    // The map, its sidecar and its manifest line land together or not at all: the texts are made before
    // the file is requested, so metadata that cannot be written costs no request and leaves no file.
    const texts = metadataTexts(item);
    const skipped = opts.force ? undefined : (opts.proven?.get(item.id) ?? (await verifiedEntry(item, opts)));
    if (skipped) {
      const entry = entryFor(item, skipped.bytes, skipped.sha256);
      const prev = opts.previous.get(item.id);
      return { entry, texts, fetched: false, changed: !prev || serializeEntryWith(entry, texts.compact) !== serializeEntry(prev) };
    }
    const file = await fetchFile(
      { url: item.fileUrl, path: item.path, expect: item.expect, resumeStamp: stampOf(item.modifyDate) },
      deps,
    );
    return { entry: entryFor(item, file.bytes, file.sha256), texts, fetched: true, changed: true, commit: file.commit };
  };

  /**
   * The local half: the rename into place, then the metadata sidecar (after the file, so it never
   * describes bytes that are not there), then the manifest line.
   */
  const record = async (item: DownloadItem, landed: Landed): Promise<void> => {
    if (landed.commit) await landed.commit();
    const sidecar = landed.texts.sidecar;
    if (landed.fetched || (await opts.sink.readText(item.metadataPath)) !== sidecar) await opts.sink.writeText(item.metadataPath, sidecar);
    if (landed.changed) manifest.setLine(landed.entry.id, serializeEntryWith(landed.entry, landed.texts.compact));
    outcome.done.set(item.id, landed.entry);
    if (landed.fetched) {
      outcome.fetched++;
      outcome.bytes += landed.entry.bytes;
    } else {
      outcome.skipped++;
    }
    opts.progress.file(landed.fetched ? 'fetched' : 'skipped');
  };

  const fail = (item: DownloadItem, err: unknown): void => {
    const said = describeFsError(err);
    const reason = said instanceof Error ? said.message : String(said);
    outcome.failures.push({ item, reason, integrity: err instanceof FileFailure && err.integrity });
    opts.progress.file('failed');
  };

  const worker = async (): Promise<void> => {
    // Each worker records image k (rename, sidecar, manifest) while it already requests image k+1: local
    // disk work need not hold up the network. One record in flight per worker keeps memory bounded.
    let recording: Promise<void> = Promise.resolve();
    try {
      while (!stopped && !opts.signal.aborted) {
        const item = items[next++];
        if (item === undefined) return;
        started++;
        let landed;
        try {
          landed = await land(item);
        } catch (err) {
          if (opts.signal.aborted) {
            started--;
            return;
          }
          if (err instanceof BreakerOpenError || err instanceof OfflineError) {
            if (err instanceof OfflineError) offline ??= err;
            stopped = true;
            started--;
            return;
          }
          fail(item, err);
          continue;
        }
        await recording;
        recording = record(item, landed).catch((err: unknown) => fail(item, err));
      }
    } finally {
      await recording;
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, items.length)) }, worker));
  } finally {
    // Whatever happened, what finished is recorded before the run ends.
    await manifest.flush();
  }
  if (offline) throw offline;
  outcome.interrupted = opts.signal.aborted;
  outcome.notStarted = items.length - started;
  if (stopped) outcome.serverDown = `${breaker.failures} failures in a row, the last: ${breaker.lastFailure ?? 'unknown'}`;
  return outcome;
}

/**
 * The previous manifest entry when it still describes this image and the bytes on disk match it. The
 * file is always re-hashed rather than trusted by size and mtime: a cache restored by CI or copied with
 * `cp -r`/rsync has new mtimes anyway, in-place corruption keeps them, and hashing is cheap next to the
 * network (sha256 runs at ~1.8 GB/s here; a 500-file, 100 MB re-run hashes in about 0.3 s).
 */
async function verifiedEntry(item: DownloadItem, opts: EngineOptions): Promise<ManifestEntry | undefined> {
  const prev = opts.previous.get(item.id);
  if (!prev || prev.path !== item.path || prev.modify_date !== item.modifyDate) return undefined;
  if (item.expect.bytes !== undefined && prev.bytes !== item.expect.bytes) return undefined;
  if (item.expect.sha256 !== undefined && prev.sha256 !== item.expect.sha256) return undefined;
  // A FIFO or link where the file should be is replaced by the fetched file, like a missing one.
  const onDisk = await opts.sink.digest(item.path, opts.signal).catch((err: unknown) => {
    if (err instanceof RefusedPath) return undefined;
    throw err;
  });
  if (!onDisk) return undefined;
  if (onDisk.bytes !== prev.bytes || onDisk.sha256 !== prev.sha256) {
    const found = `${onDisk.bytes} bytes, sha256 ${onDisk.sha256.slice(0, 12)}…`;
    opts.warn(`image ${item.id}: ${item.path} differs from the manifest (${found}); fetching it again`);
    return undefined;
  }
  return prev;
}

interface MetadataTexts {
  /** `image_<id>_metadata.json`. */
  sidecar: string;
  /** The manifest line's `metadata`. */
  compact: string;
}

/** Throws a one-line reason when the server's record cannot be written as JSON (nested too deep, say). */
function metadataTexts(item: DownloadItem): MetadataTexts {
  try {
    return { sidecar: sidecarText(item.metadata), compact: JSON.stringify(item.metadata) };
  } catch (err) {
    throw new Error(`its metadata cannot be stored as JSON (${(err as Error).message}); nothing was written`);
  }
}

function entryFor(item: DownloadItem, bytes: number, sha256: string): ManifestEntry {
  return {
    id: item.id,
    collection_id: item.collectionId,
    path: item.path,
    bytes,
    sha256,
    modify_date: item.modifyDate,
    metadata: item.metadata,
  };
}

/** The server version of a file as a number the sink can keep with partial bytes (see StageOptions). */
/**
 * What earlier runs kept in `*.part` files that this run will continue (a re-run says it resumes, an
 * interrupted run says what it kept). Sinks that keep nothing between runs answer nothing.
 */
export async function keptParts(sink: Sink, items: readonly Pick<DownloadItem, 'path' | 'modifyDate'>[]): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  if (!sink.kept) return { files, bytes };
  for (const item of items) {
    const n = await sink.kept(item.path, { resumeStamp: stampOf(item.modifyDate) });
    if (n > 0) {
      files++;
      bytes += n;
    }
  }
  return { files, bytes };
}

function stampOf(modifyDate: string | null): number | undefined {
  if (modifyDate === null) return undefined;
  const ms = Date.parse(modifyDate);
  return Number.isNaN(ms) ? undefined : ms;
}
