import { terminalLine } from '../../util/terminal-text.js';
import { findCollectionsByDoi } from '../doi-lookup.js';
import type { Context } from '../context.js';
import type { DownloadFlags } from '../commands/download.js';
import { CliError, ExitCode, IntegrityError, InterruptedError, PartialFailureError, UsageError } from '../../errors.js';
import { parseWhere, type WhereClause } from '../../filter/where.js';
import { parseDownloadRef } from '../../download/refs.js';
import { buildPlan, inShard, planFrom, type Plan, type Shard } from '../../download/plan.js';
import { selectFromCatalog, wantsCatalog } from '../catalog-selection.js';
import { presenterFor } from '../present.js';
import type { Collection, Image } from '../../api/schemas.js';
import { lockDifferences, readLock, writeLock, type LockEntry, type LockSelection } from '../../download/lock.js';
import { DEFAULT_BREAKER_THRESHOLD, keptParts, runEngine, type Outcome } from '../../download/engine.js';
import { MIN_BODY_BYTES_PER_SECOND } from '../../download/fetch-file.js';
import { MANIFEST_FILE } from '../../download/layout.js';
import { parseManifest } from '../../download/manifest.js';
import { barProgress, silentProgress } from '../../download/progress.js';
import { withWait } from '../../output/progress-wait.js';
import { counted, formatBytes, formatCount, formatSeconds } from '../../output/units.js';
import { openSink } from '../../download/open-sink.js';
import { parseIntFlag } from '../parse.js';
import { writeRecords } from '../../output/format.js';
import { checkOutputFile } from '../../util/output-path.js';
import type { Transport } from '../../http/transport.js';

/** The transport keeps at most 32 sockets per origin; more workers would only queue. */
const MAX_CONCURRENCY = 32;
/** Differences listed one per line before "… and N more". */
const MAX_LISTED = 20;

export interface Settings {
  out: string;
  shard?: Shard;
  maxImages?: number;
  concurrency: number;
}

function parseSettings(flags: DownloadFlags): Settings {
  let shard: Shard | undefined;
  if (flags.shard !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flags.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
      throw new UsageError(`invalid --shard "${flags.shard}": expected i/n with 0 <= i < n (e.g. 0/4)`);
    }
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  if (flags.frozen && flags.lock === undefined) throw new UsageError('--frozen needs --lock <file>');
  const out = flags.out ?? './neurovault_data';
  if (out.trim() === '') throw new UsageError('--out needs a folder');
  return {
    out,
    shard,
    maxImages: parseIntFlag(flags.maxImages, '--max-images', 1, Number.MAX_SAFE_INTEGER),
    concurrency: parseIntFlag(flags.concurrency, '--concurrency', 1, MAX_CONCURRENCY) ?? 6,
  };
}

export async function runDownload(rawRefs: string[], flags: DownloadFlags, ctx: Context): Promise<void> {
  // Everything the user typed is checked before the first request (exit 2).
  const refs = rawRefs.map(parseDownloadRef);
  const where = parseWhere(flags.where ?? []);
  const settings = parseSettings(flags);
  const lock = flags.frozen ? await readLock(flags.lock!) : undefined;
  const sink = flags.dryRun ? undefined : await openSink(settings.out, ctx);
  if (flags.lock !== undefined && !flags.frozen && !flags.dryRun) await checkOutputFile(flags.lock, '--lock');
  const g = ctx.globals;
  const started = Date.now();

  const selection = selectionOf(rawRefs, flags, settings.maxImages);
  // Issue 19: a version-2 lock with --frozen is the plan; no refs needed, no API asked (download-lock.ts).
  if (lock?.version === 2) {
    const { runFromLock } = await import('./download-lock.js');
    return runFromLock(lock, selection, flags, settings, sink, ctx);
  }

  const fromCatalog = refs.length === 0;
  if (fromCatalog && lock) {
    throw new UsageError(`the lock ${flags.lock} is version 1, which records no file URLs: give the refs it was made from`, {
      hint: 'or run once with --lock and without --frozen to rewrite it as version 2, which installs alone',
    });
  }
  if (fromCatalog && !wantsCatalog(flags) && where.length === 0) {
    throw new UsageError('nothing to download: give refs, or select from the catalogue with --search, --where or --basic');
  }
  if (!fromCatalog && wantsCatalog(flags)) {
    throw new UsageError('--search and --basic select from the whole catalogue; use them without refs');
  }
  // A catalogue selection needs no client until a file must be fetched (so it runs offline when all is there).
  const api = fromCatalog ? undefined : await ctx.api();
  const plan = !api
    ? planFrom(await catalogSelection(flags, where, settings.maxImages, ctx), g.baseUrl, settings.shard)
    : await withWait(ctx, `listing the images of ${rawRefs.join(' ')}`, () =>
        buildPlan(api, refs, {
          where,
          maxImages: settings.maxImages,
          shard: settings.shard,
          signal: ctx.signal,
          findByDoi: (doi) => findCollectionsByDoi(doi, ctx),
        }),
      );

  if (lock) applyLock(plan, lock.images, settings.shard, flags.lock!, ctx);

  if (flags.dryRun) {
    await printPlan(plan, ctx);
    return;
  }
  if (!sink) throw new Error('no sink');

  try {
    const previous = parseManifest(await sink.readText(MANIFEST_FILE));
    if (previous.badLines > 0) ctx.warn(`${MANIFEST_FILE}: ignored ${counted(previous.badLines, 'line')} that are not entries`);
    for (const c of plan.collections.values()) await sink.writeText(c.path, c.text);

    const kept = await keptParts(sink, plan.items);
    const bar = g.progress ? startBar(plan, previous.entries, Boolean(flags.force), sink.location, ctx, kept.bytes) : undefined;
    if (kept.files > 0 && !g.quiet) ctx.warn(`resuming ${counted(kept.files, 'file')}, ${formatBytes(kept.bytes)} already here`);
    const progress = bar ?? silentProgress(ctx.io);
    const retryBase = Number(ctx.env.NEUROVAULT_RETRY_BASE_MS);
    let outcome: Outcome;
    try {
      outcome = await runEngine(plan.items, {
        transport: bar ? bar.watchTransport(transportOnDemand(ctx)) : transportOnDemand(ctx),
        sink: bar ? bar.watch(sink) : sink,
        concurrency: settings.concurrency,
        force: Boolean(flags.force),
        retries: g.retries,
        backoff: { baseMs: Number.isFinite(retryBase) && retryBase >= 0 ? retryBase : 300, maxMs: 20_000 },
        breakerThreshold: DEFAULT_BREAKER_THRESHOLD,
        minRate: { windowMs: g.timeoutMs, bytesPerSecond: MIN_BODY_BYTES_PER_SECOND },
        signal: ctx.signal,
        previous: previous.entries,
        progress,
        warn: (m) => progress.note(terminalLine(`neurovault: ${m}`)),
      });
    } finally {
      progress.stop();
    }
    const keptNow = () => keptParts(sink, plan.items);
    await report(plan, outcome, { out: sink.location, started, lockFile: flags.lock, frozen: Boolean(flags.frozen), selection, keptNow }, ctx);
  } finally {
    await sink.close?.();
  }
}

/** Images of the catalogue selection with their collections; one without a catalogued collection is skipped with a notice. */
async function catalogSelection(flags: DownloadFlags, where: WhereClause[], max: number | undefined, ctx: Context) {
  const chosen: { image: Image; collection: Collection }[] = [];
  for (const { image, collection } of await selectFromCatalog(flags, where, max, ctx, presenterFor(ctx).whereOnly())) {
    if (collection) chosen.push({ image: image as Image, collection: collection as Collection });
    else ctx.warn(`image ${String(image.id)}: its collection is not in the catalogue; skipped (run \`neurovault catalog sync\`)`);
  }
  return chosen;
}

/** The opening line (what, how much, where) and the bar; only on a terminal (`ctx.globals.progress`). */
export function startBar(plan: Plan, previous: ReadonlyMap<number, unknown>, force: boolean, out: string, ctx: Context, resumed = 0) {
  const n = plan.collections.size;
  const recheck = force ? 0 : plan.items.filter((i) => previous.has(i.id)).length;
  const again = recheck > 0 ? `; ${recheck} already there are re-hashed first, not fetched again` : '';
  ctx.warn(`downloading ${counted(plan.items.length, 'image')}, ${planSize(plan)}, from ${counted(n, 'collection')} into ${out}${again}`);
  const unknown = plan.items.some((i) => i.expect.bytes === undefined);
  const bytes = unknown ? undefined : plan.items.reduce((sum, i) => sum + i.expect.bytes!, 0);
  return barProgress(ctx, { label: 'downloading', files: plan.items.length, bytes, rechecks: recheck, resumed });
}

/** `97.7 MiB` or `97.7 MiB (+3 of unknown size)`. */
function planSize(plan: Plan): string {
  const known = plan.items.reduce((n, i) => n + (i.expect.bytes ?? 0), 0);
  const unknown = plan.items.filter((i) => i.expect.bytes === undefined).length;
  return `${formatBytes(known)}${unknown ? ` (+${unknown} of unknown size)` : ''}`;
}

/** `--frozen`: differences visible in the plan stop the run before any file request; sha256 is checked per file. */
function applyLock(plan: Plan, lock: Map<number, LockEntry>, shard: Shard | undefined, file: string, ctx: Context): void {
  const diffs = lockDifferences(plan.items, lock, (id) => inShard(id, shard));
  for (const u of plan.unavailable) if (lock.has(u.id)) diffs.push(`image ${u.id}: ${u.reason}`);
  refuseDifferences(diffs, file, ctx);
  for (const item of plan.items) item.expect.sha256 = lock.get(item.id)!.sha256;
}

/** Lists the differences from the lock (a bounded number) and stops the run (exit 5); nothing when there are none. */
export function refuseDifferences(diffs: string[], file: string, ctx: Context): void {
  if (diffs.length === 0) return;
  for (const d of diffs.slice(0, MAX_LISTED)) ctx.warn(d);
  if (diffs.length > MAX_LISTED) ctx.warn(`… and ${diffs.length - MAX_LISTED} more`);
  throw new IntegrityError(`${counted(diffs.length, 'difference')} from the lock ${file} (--frozen); nothing was downloaded`, {
    hint: 'drop --frozen to download what the server has now and rewrite the lock',
  });
}

/** The API's transport, made on the first request: a run that fetches nothing opens nothing (and works offline). */
export function transportOnDemand(ctx: Context): Pick<Transport, 'send'> {
  return { send: async (req) => (await ctx.api()).transport.send(req) };
}

/** What the user selected, as a lock records it (lock.ts LockSelection). */
function selectionOf(refs: string[], flags: DownloadFlags, maxImages: number | undefined): LockSelection {
  return { refs, where: flags.where ?? [], search: flags.search ?? null, basic: Boolean(flags.basic), max_images: maxImages ?? null };
}

export async function printPlan(plan: Plan, ctx: Context): Promise<void> {
  const g = ctx.globals;
  const records = plan.items.map((i) => ({ id: i.id, collection_id: i.collectionId, bytes: i.expect.bytes ?? null, path: i.path }));
  await writeRecords(ctx.io, records, { format: g.output, columns: g.columns ?? ['id', 'collection_id', 'bytes', 'path'], color: g.color });
  for (const u of plan.unavailable) ctx.warn(`image ${u.id} (collection ${u.collectionId}): ${u.reason}`);
  if (!g.quiet) {
    ctx.warn(`dry run: ${counted(plan.items.length, 'image')}, ${planSize(plan)} from ${counted(plan.collections.size, 'collection')}; nothing fetched`);
  }
}

interface ReportOptions {
  out: string;
  started: number;
  lockFile?: string;
  frozen: boolean;
  selection: LockSelection;
  /** What `*.part` files hold now (said when the run was interrupted). */
  keptNow?: () => Promise<{ files: number; bytes: number }>;
}

export async function report(plan: Plan, outcome: Outcome, opts: ReportOptions, ctx: Context): Promise<void> {
  const g = ctx.globals;
  const failures = [
    ...plan.unavailable.map((u) => ({ id: u.id, collection_id: u.collectionId, reason: u.reason, integrity: false })),
    ...outcome.failures.map((f) => ({ id: f.item.id, collection_id: f.item.collectionId, reason: f.reason, integrity: f.integrity })),
  ];
  for (const f of failures) ctx.warn(`image ${f.id} (collection ${f.collection_id}): ${f.reason}`);

  const complete = failures.length === 0 && !outcome.interrupted && outcome.serverDown === undefined && outcome.notStarted === 0;
  let lockWritten = false;
  if (opts.lockFile && !opts.frozen && complete) {
    await writeLock(opts.lockFile, { entries: outcome.done.values(), items: plan.items, collections: plan.collections, selection: opts.selection });
    lockWritten = true;
  } else if (opts.lockFile && !opts.frozen && !outcome.interrupted) {
    ctx.warn(`the lock ${opts.lockFile} was not written: it only describes complete downloads`);
  }

  const ms = Date.now() - opts.started;
  if (!g.quiet) {
    const rate = outcome.bytes > 0 ? ` (${formatBytes((outcome.bytes * 1000) / Math.max(1, ms))}/s)` : '';
    const stopped = outcome.notStarted > 0 ? `, ${formatCount(outcome.notStarted)} not started` : '';
    const head = outcome.interrupted ? 'interrupted: ' : '';
    const counts = `fetched ${formatCount(outcome.fetched)}, skipped ${formatCount(outcome.skipped)}, failed ${formatCount(failures.length)}${stopped}`;
    ctx.warn(`${head}${counts} · ${formatBytes(outcome.bytes)} in ${formatSeconds(ms)}${rate} → ${opts.out}`);
    if (outcome.interrupted) {
      const kept = (await opts.keptNow?.().catch(() => undefined)) ?? { files: 0, bytes: 0 };
      if (kept.files > 0) ctx.warn(`kept ${counted(kept.files, 'partial file')}, ${formatBytes(kept.bytes)}, as *.part`);
      ctx.printLine('hint: run the same command again to resume: finished files are kept and *.part files continue');
    }
  }
  if (g.output === 'json' || g.output === 'ndjson') {
    const summary = {
      out: opts.out,
      manifest: `${opts.out.replace(/\/+$/, '')}/${MANIFEST_FILE}`,
      images: plan.items.length + plan.unavailable.length,
      fetched: outcome.fetched,
      skipped: outcome.skipped,
      failed: failures.length,
      not_started: outcome.notStarted,
      bytes: outcome.bytes,
      seconds: Math.round(ms) / 1000,
      interrupted: outcome.interrupted,
      server_down: outcome.serverDown !== undefined,
      lock: lockWritten ? opts.lockFile : null,
      failures: failures.map(({ id, collection_id, reason }) => ({ id, collection_id, reason })),
    };
    ctx.io.stdout.write(`${JSON.stringify(summary, null, g.output === 'json' ? 2 : undefined)}\n`);
  }

  if (outcome.interrupted) {
    const reason = ctx.signal.reason;
    throw reason instanceof InterruptedError ? reason : new InterruptedError();
  }
  if (outcome.serverDown !== undefined) {
    throw new CliError(`the server appears to be down: ${outcome.serverDown}`, {
      exitCode: ExitCode.failure,
      hint: 'finished files are kept and *.part files resume; run the same command again later',
    });
  }
  if (failures.length) {
    const integrity = failures.filter((f) => f.integrity).length;
    if (integrity > 0) {
      throw new PartialFailureError(`${counted(integrity, 'file')} differ${integrity === 1 ? 's' : ''} from the lock ${opts.lockFile ?? ''} (--frozen)`, ExitCode.integrity);
    }
    const of = plan.items.length + plan.unavailable.length;
    throw new PartialFailureError(`${formatCount(failures.length)} of ${counted(of, 'image')} failed; the others are in place`);
  }
}
