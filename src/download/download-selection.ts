import type { NeuroVaultClient } from '../api/client.js';
import type { Collection, Image } from '../api/schemas.js';
import { IntegrityError, UsageError } from '../errors.js';
import { parseWhere, type WhereClause } from '../filter/where.js';
import { HttpError, errorCode } from '../http/errors.js';
import { RETRYABLE_NETWORK_CODES, RETRYABLE_STATUSES } from '../http/retry-policy.js';
import type { Transport } from '../http/transport.js';
import type { S3SessionOptions } from '../s3/session.js';
import { DEFAULT_BREAKER_THRESHOLD, keptParts, runEngine, type Outcome } from './engine.js';
import { MIN_BODY_BYTES_PER_SECOND } from './fetch-file.js';
import { MANIFEST_FILE, collectionMetadataPath } from './layout.js';
import { lockDifferences, readLock, selectionDifference, writeLock, type Lock, type LockEntry, type LockSelection } from './lock.js';
import { lockedItems, planFromLock, type LockPlan } from './install-from-lock.js';
import { checkOutputFile } from '../util/output-path.js';
import { parseManifest } from './manifest.js';
import { openSink } from './open-sink.js';
import { buildPlan, inShard, planFrom, type Plan, type Shard } from './plan.js';
import { parseDownloadRef, type DownloadRef } from './refs.js';
import type { Sink } from './sink.js';

/** What a download reports while it runs, in order: one `start`, then the rest as they happen. */
export type DownloadEvent =
  | {
      type: 'start';
      images: number;
      collections: number;
      /** Sum of the known sizes; `unknownSizes` images come on top. */
      bytes: number;
      unknownSizes: number;
      /** Images already in the manifest: re-hashed first (the skip check), not fetched again. */
      rechecks: number;
      out: string;
      /** What earlier runs kept in `*.part` files that this run continues. */
      resumed: { files: number; bytes: number };
    }
  /** Bytes of a file fetched, or re-hashed by the skip check (`rehash`). */
  | { type: 'bytes'; bytes: number; rehash: boolean }
  | { type: 'file'; result: 'fetched' | 'skipped' | 'failed' }
  /** The skip check of a file already there begins or ends. */
  | { type: 'rehash'; phase: 'begin' | 'end' }
  /** A file request failed in a way that is retried (the reason is the error's message). */
  | { type: 'retry'; reason: string }
  /** A notice (a corrupt manifest line, a file fetched again); it may quote server text, so escape it for a terminal. */
  | { type: 'warning'; message: string };

export interface DownloadOptions {
  /** The client, or a function that makes it when first needed (after every option is checked). */
  client: NeuroVaultClient | (() => Promise<NeuroVaultClient>);
  /** Collection ids, `image:<id>`, DOIs, private tokens or URLs, as `neurovault download` takes them. */
  refs?: readonly string[];
  /** `field op value` filters (`map_type=T map`), ANDed; see `images list --where`. */
  where?: readonly string[];
  /** A folder, `s3://bucket/prefix` (needs `s3`), or a Sink. Default `./neurovault_data`. */
  out?: string | Sink;
  /** Settings for an `s3://` out. */
  s3?: S3SessionOptions;
  maxImages?: number;
  /** Only images whose id mod count is index. */
  shard?: Shard;
  /** Files in flight at once (default 6, at most 32). */
  concurrency?: number;
  /** Fetch again even what verifies. */
  force?: boolean;
  /**
   * Lock file written after a complete run, or with `frozen` checked: a version-2 lock is then installed
   * alone (refs optional; given, they must be those it was made from), a version-1 lock needs the refs.
   */
  lock?: string;
  frozen?: boolean;
  /** What the lock records as the selection (default: refs, where and maxImages). */
  lockSelection?: LockSelection;
  /**
   * Installing a version-2 lock: anything that would need a request is an OfflineError (exit 6) before the
   * first one. (A client made with `offline` refuses every request the same way.)
   */
  offline?: boolean;
  /** The bound on one wait for another process's lock on the folder's manifest (default 60 s). */
  lockWaitMs?: number;
  /** The server root, for a selection planned before (or without) a client; default the client's. */
  baseUrl?: string;
  /** Plan only: no sink is opened and nothing is fetched. */
  dryRun?: boolean;
  /** Retries per file (default 4) and the first backoff (default 300 ms). */
  retries?: number;
  retryBaseMs?: number;
  /** A body slower than MIN_BODY_BYTES_PER_SECOND over this window is cut and retried (default 30 s). */
  stallWindowMs?: number;
  signal?: AbortSignal;
  /** DOI → collections; default: the client's lookup (the CLI passes one with its cached DOI index). */
  findByDoi?: (doi: string) => Promise<Record<string, unknown>[]>;
  onEvent?: (event: DownloadEvent) => void;
}

/** Images chosen elsewhere (the local catalogue) with their collections. */
export type Selection = readonly { image: Image; collection: Collection }[];

export interface DownloadFailure {
  id: number;
  collection_id: number;
  reason: string;
  /** A `frozen` sha256 mismatch rather than a transfer failure. */
  integrity: boolean;
}

export interface DownloadResult {
  out: string;
  manifest: string;
  plan: Plan;
  outcome: Outcome;
  /** Images that could not be planned (no file, refused) and those that failed. */
  failures: DownloadFailure[];
  /** Everything planned is in place. */
  complete: boolean;
  /** The lock file asked for; `lockWritten` when it was written, `lockSkipped` when the run was incomplete. */
  lockFile?: string;
  lockWritten?: string;
  lockSkipped: boolean;
  /** Since prepareDownload was called. */
  ms: number;
  /** An interrupted run: what its `*.part` files kept for the next one. */
  kept?: { files: number; bytes: number };
}

/** `--frozen` found differences visible in the plan; nothing was fetched. */
export class LockMismatchError extends IntegrityError {
  constructor(
    readonly file: string,
    readonly differences: string[],
  ) {
    super(`${differences.length} difference(s) from the lock ${file} (--frozen); nothing was downloaded`, {
      hint: 'drop --frozen to download what the server has now and rewrite the lock',
    });
  }
}

/** The transport keeps at most 32 sockets per origin; more workers would only queue. */
export const MAX_DOWNLOAD_CONCURRENCY = 32;

/**
 * A download in two steps, so a caller can show the plan (a dry run) or wait on it: `prepareDownload`
 * checks every option, reads the lock and opens the destination before any request; `plan()` asks the
 * server (or takes a catalogue selection) and applies the lock; `fetch()` runs the engine, writes the
 * manifest and the lock. `close()` releases the destination.
 */
export interface PreparedDownload {
  /** The version of the `frozen` lock, when there is one (2: the plan comes from the lock alone). */
  readonly lockVersion?: 1 | 2;
  plan(selection?: Selection): Promise<Plan>;
  fetch(plan: Plan): Promise<DownloadResult>;
  close(): Promise<void>;
}

export async function prepareDownload(opts: DownloadOptions): Promise<PreparedDownload> {
  const started = Date.now();
  const refs: DownloadRef[] = (opts.refs ?? []).map(parseDownloadRef);
  const where: WhereClause[] = parseWhere([...(opts.where ?? [])]);
  const concurrency = opts.concurrency ?? 6;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_DOWNLOAD_CONCURRENCY) {
    throw new UsageError(`invalid concurrency ${concurrency}: from 1 to ${MAX_DOWNLOAD_CONCURRENCY}`);
  }
  if (opts.frozen && opts.lock === undefined) throw new UsageError('--frozen needs --lock <file>');
  const lock: Lock | undefined = opts.frozen ? await readLock(opts.lock!) : undefined;
  const out = opts.out ?? './neurovault_data';
  if (typeof out === 'string' && out.trim() === '') throw new UsageError('--out needs a folder');
  const emit = opts.onEvent ?? (() => undefined);
  const notice = (message: string) => emit({ type: 'warning', message });
  const sink = opts.dryRun ? undefined : typeof out === 'string' ? await openSink(out, { s3: opts.s3, lockWaitMs: opts.lockWaitMs, notice }) : out;
  const signal = opts.signal ?? new AbortController().signal;
  const given = opts.client;
  let made: Promise<NeuroVaultClient> | undefined;
  const client = () => (typeof given === 'function' ? (made ??= given()) : Promise.resolve(given));

  if (opts.lock !== undefined && !opts.frozen && !opts.dryRun) await checkOutputFile(opts.lock, '--lock');
  const recorded: LockSelection = opts.lockSelection ?? { refs: [...(opts.refs ?? [])], where: [...(opts.where ?? [])], search: null, basic: false, max_images: opts.maxImages ?? null };

  return {
    lockVersion: lock?.version,
    async plan(selection) {
      if (lock?.version === 2) return planInstall(lock, sink, { ...opts, signal, client, recorded });
      if (lock && selection) {
        throw new UsageError(`the lock ${opts.lock} is version 1, which records no file URLs: give the refs it was made from`, {
          hint: 'or run once with --lock and without --frozen to rewrite it as version 2, which installs alone',
        });
      }
      if (!selection && refs.length === 0) throw new UsageError('nothing to download: give refs, or a selection');
      // A selection needs no client until a file must be fetched (so it runs offline when all is there).
      const plan = selection
        ? planFrom(selection, opts.baseUrl ?? (await client()).baseUrl, opts.shard)
        : await (async () => {
            const api = await client();
            return buildPlan(api, refs, {
              where,
              maxImages: opts.maxImages,
              shard: opts.shard,
              signal,
              findByDoi: opts.findByDoi ?? (async (doi) => (await api.findCollectionsByDoi(doi, signal)).matches),
            });
          })();
      if (lock) applyLock(plan, lock.images, opts.shard, opts.lock!);
      return plan;
    },
    async fetch(plan) {
      if (!sink) throw new UsageError('a dry run fetches nothing');
      return fetchPlan(plan, sink, { ...opts, client, concurrency, signal, emit, started, recorded });
    },
    // A Sink passed in is the caller's to close.
    close: async () => (typeof out === 'string' ? sink?.close?.() : undefined),
  };
}

/**
 * A frozen version-2 lock: the plan is the lock (a dry run lists it as it is); otherwise every file in the
 * folder is checked against it first, and only what is missing or damaged will be asked for.
 */
async function planInstall(
  lock: Lock,
  sink: Sink | undefined,
  s: DownloadOptions & { signal: AbortSignal; client: () => Promise<NeuroVaultClient>; recorded: LockSelection },
): Promise<Plan> {
  const r = s.recorded;
  const asked = r.refs.length > 0 || r.where.length > 0 || r.search !== null || r.basic || r.max_images !== null;
  const differs = asked ? selectionDifference(lock, r) : undefined;
  if (differs) throw new LockMismatchError(s.lock!, [differs]);
  if (!sink) {
    const items = lockedItems(lock, s.shard);
    const collections: Plan['collections'] = new Map();
    for (const i of items) collections.set(i.collectionId, { path: collectionMetadataPath(i.collectionId), metadata: {}, text: '' });
    return { items, collections, unavailable: [] };
  }
  const plan = await planFromLock(lock, {
    sink,
    shard: s.shard,
    signal: s.signal,
    force: Boolean(s.force),
    offline: Boolean(s.offline),
    connect: s.client,
    concurrency: s.concurrency ?? 6,
    warn: (message) => s.onEvent?.({ type: 'warning', message }),
  });
  if (plan.differences.length) throw new LockMismatchError(s.lock!, plan.differences);
  return plan;
}

/** Plan, lock check, engine, manifest and lock write in one call. */
export async function downloadSelection(opts: DownloadOptions, selection?: Selection): Promise<DownloadResult> {
  const job = await prepareDownload({ ...opts, dryRun: false });
  try {
    return await job.fetch(await job.plan(selection));
  } finally {
    await job.close();
  }
}

/** `--frozen`: differences visible in the plan stop the run before any file request; sha256 is checked per file. */
function applyLock(plan: Plan, lock: Map<number, LockEntry>, shard: Shard | undefined, file: string): void {
  const diffs = lockDifferences(plan.items, lock, (id) => inShard(id, shard));
  for (const u of plan.unavailable) if (lock.has(u.id)) diffs.push(`image ${u.id}: ${u.reason}`);
  if (diffs.length) throw new LockMismatchError(file, diffs);
  for (const item of plan.items) item.expect.sha256 = lock.get(item.id)!.sha256;
}

interface FetchSettings extends DownloadOptions {
  client: () => Promise<NeuroVaultClient>;
  recorded: LockSelection;
  concurrency: number;
  signal: AbortSignal;
  emit: (event: DownloadEvent) => void;
  started: number;
}

async function fetchPlan(plan: Plan | LockPlan, sink: Sink, s: FetchSettings): Promise<DownloadResult> {
  const installing = 'proven' in plan;
  const previous = installing ? { entries: plan.previous, badLines: plan.badManifestLines } : parseManifest(await sink.readText(MANIFEST_FILE));
  if (previous.badLines > 0) s.emit({ type: 'warning', message: `${MANIFEST_FILE}: ignored ${previous.badLines} line(s) that are not entries` });
  for (const c of plan.collections.values()) await sink.writeText(c.path, c.text);

  // A lock install whose files are all in place fetches nothing and shows no bar.
  const rechecks = s.force || installing ? 0 : plan.items.filter((i) => previous.entries.has(i.id)).length;
  if (!installing || plan.requests.files > 0) {
    const resumed = installing ? { files: 0, bytes: 0 } : await keptParts(sink, plan.items);
    s.emit({
      type: 'start',
      images: plan.items.length,
      collections: plan.collections.size,
      bytes: plan.items.reduce((n, i) => n + (i.expect.bytes ?? 0), 0),
      unknownSizes: plan.items.filter((i) => i.expect.bytes === undefined).length,
      rechecks,
      out: sink.location,
      resumed,
    });
  }
  // The client (and any socket) is made on the first request: a run that fetches nothing opens nothing.
  const transport: Pick<Transport, 'send'> = { send: async (req) => (await s.client()).transport.send(req) };
  const watched = s.onEvent !== undefined;
  const outcome = await runEngine(plan.items, {
    transport: watched ? watchTransport(transport, s.emit) : transport,
    sink: watched ? watchSink(sink, s.emit) : sink,
    concurrency: s.concurrency,
    force: Boolean(s.force),
    retries: s.retries ?? 4,
    backoff: { baseMs: s.retryBaseMs ?? 300, maxMs: 20_000 },
    breakerThreshold: DEFAULT_BREAKER_THRESHOLD,
    minRate: { windowMs: s.stallWindowMs ?? 30_000, bytesPerSecond: MIN_BODY_BYTES_PER_SECOND },
    signal: s.signal,
    previous: previous.entries,
    proven: installing ? plan.proven : undefined,
    progress: {
      bytes: (n) => s.emit({ type: 'bytes', bytes: n, rehash: false }),
      file: (result) => s.emit({ type: 'file', result }),
      note: (message) => s.emit({ type: 'warning', message }),
      stop() {},
    },
    warn: (message) => s.emit({ type: 'warning', message }),
  });

  const failures: DownloadFailure[] = [
    ...plan.unavailable.map((u) => ({ id: u.id, collection_id: u.collectionId, reason: u.reason, integrity: false })),
    ...outcome.failures.map((f) => ({ id: f.item.id, collection_id: f.item.collectionId, reason: f.reason, integrity: f.integrity })),
  ];
  const complete = failures.length === 0 && !outcome.interrupted && outcome.serverDown === undefined && outcome.notStarted === 0;
  let lockWritten: string | undefined;
  if (s.lock && !s.frozen && complete) {
    await writeLock(s.lock, { entries: outcome.done.values(), items: plan.items, collections: plan.collections, selection: s.recorded });
    lockWritten = s.lock;
  }
  return {
    out: sink.location,
    manifest: `${sink.location.replace(/\/+$/, '')}/${MANIFEST_FILE}`,
    plan,
    outcome,
    failures,
    complete,
    lockFile: s.lock,
    lockWritten,
    lockSkipped: Boolean(s.lock && !s.frozen && !complete),
    ms: Date.now() - s.started,
    kept: outcome.interrupted ? await keptParts(sink, plan.items).catch(() => undefined) : undefined,
  };
}

/** File requests that fail in a way the engine retries are reported (files have their own retry loop, outside the transport's). */
function watchTransport(transport: Pick<Transport, 'send'>, emit: (e: DownloadEvent) => void): Pick<Transport, 'send'> {
  return {
    send: (req) =>
      transport.send(req).catch((err: unknown) => {
        if (retryable(err)) emit({ type: 'retry', reason: (err as Error).message });
        throw err;
      }),
  };
}

/** The sink's re-hashes of files already there (the skip check of a re-run) are reported as they go. */
function watchSink(sink: Sink, emit: (e: DownloadEvent) => void): Sink {
  const digest: Sink['digest'] = async (path, signal) => {
    emit({ type: 'rehash', phase: 'begin' });
    try {
      const found = await sink.digest(path, signal);
      emit({ type: 'bytes', bytes: found?.bytes ?? 0, rehash: true });
      return found;
    } finally {
      emit({ type: 'rehash', phase: 'end' });
    }
  };
  // Every other member is the sink's own, called on the sink itself.
  return new Proxy(sink, {
    get(target, key) {
      if (key === 'digest') return digest;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function retryable(err: unknown): boolean {
  if (err instanceof HttpError) return RETRYABLE_STATUSES.has(err.status);
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}
