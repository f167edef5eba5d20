import { findCollectionsByDoi } from '../doi-lookup.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, InterruptedError, PartialFailureError, UsageError } from '../../errors.js';
import { parseWhere, type WhereClause } from '../../filter/where.js';
import { LockMismatchError, MAX_DOWNLOAD_CONCURRENCY, prepareDownload, type DownloadEvent, type DownloadResult, type Selection } from '../../download/download-selection.js';
import type { Shard } from '../../download/plan.js';
import { selectFromCatalog, wantsCatalog } from '../catalog-selection.js';
import { presenterFor } from '../present.js';
import type { Presenter } from '../../output/presenter.js';
import { DOWNLOADED, PLANNED } from './shapes.js';
import type { Collection, Image } from '../../api/schemas.js';
import { withWait } from '../../output/progress-wait.js';
import { counted, formatBytes } from '../../output/units.js';
import { barProgress, type DownloadBar } from '../../output/download-bar.js';
import { planSize, printDownloadPlan, reportDownload } from '../../output/download-report.js';
import { listDifferences, throwOnFailure } from '../download-outcome.js';
import { s3SessionOptions } from '../s3-session.js';
import { parseIntFlag } from '../parse.js';

export interface DownloadFlags {
  out?: string;
  search?: string;
  basic?: boolean;
  where?: string[];
  maxImages?: string;
  concurrency?: string;
  dryRun?: boolean;
  shard?: string;
  lock?: string;
  frozen?: boolean;
  force?: boolean;
}

function parseShard(value: string | undefined): Shard | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) {
    throw new UsageError(`invalid --shard "${value}": expected i/n with 0 <= i < n (e.g. 0/4)`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

export async function runDownload(rawRefs: string[], flags: DownloadFlags, ctx: Context): Promise<void> {
  // Everything the user typed is checked before the first request (exit 2).
  const shard = parseShard(flags.shard);
  const maxImages = parseIntFlag(flags.maxImages, '--max-images', 1, Number.MAX_SAFE_INTEGER);
  const concurrency = parseIntFlag(flags.concurrency, '--concurrency', 1, MAX_DOWNLOAD_CONCURRENCY) ?? 6;
  const fromCatalog = rawRefs.length === 0;
  const g = ctx.globals;
  const present = presenterFor(ctx);
  const shape = flags.dryRun ? PLANNED : DOWNLOADED;
  present.checkKnown(shape);
  let bar: DownloadBar | undefined;
  const job = await prepareDownload({
    client: () => ctx.api(),
    baseUrl: g.baseUrl,
    refs: rawRefs,
    where: flags.where,
    out: flags.out,
    s3: s3SessionOptions(ctx),
    maxImages,
    shard,
    concurrency,
    force: flags.force,
    lock: flags.lock,
    frozen: flags.frozen,
    lockSelection: { refs: rawRefs, where: flags.where ?? [], search: flags.search ?? null, basic: Boolean(flags.basic), max_images: maxImages ?? null },
    offline: g.offline,
    dryRun: flags.dryRun,
    retries: g.retries,
    retryBaseMs: ctx.retryBaseMs,
    lockWaitMs: ctx.lockWaitMs,
    stallWindowMs: g.timeoutMs,
    signal: ctx.signal,
    findByDoi: (doi) => findCollectionsByDoi(doi, ctx),
    onEvent: (e: DownloadEvent) => {
      if (e.type === 'start') {
        if (g.progress) bar = startBar(e, ctx);
        if (e.resumed.files > 0 && !g.quiet) ctx.warn(`resuming ${counted(e.resumed.files, 'file')}, ${formatBytes(e.resumed.bytes)} already here`);
      } else if (bar) bar.event(e);
      else if (e.type === 'warning') ctx.warn(e.message);
    },
  });
  try {
    // A version-2 lock with --frozen is the plan (issue 19): no refs needed, no API asked unless a file is missing.
    const installing = job.lockVersion === 2;
    if (!installing) checkSelection(rawRefs, flags, job.lockVersion !== undefined);
    const plan = await (installing
      ? withWait(ctx, `checking ${flags.dryRun ? 'the plan' : (flags.out ?? '')} against the lock ${flags.lock ?? ''}`, () => job.plan())
      : fromCatalog
        ? job.plan(await catalogSelection(flags, parseWhere(flags.where ?? []), maxImages, ctx, present))
        : withWait(ctx, `listing the images of ${rawRefs.join(' ')}`, () => job.plan())
    ).catch((err: unknown) => {
      if (err instanceof LockMismatchError) listDifferences(err.differences, ctx);
      throw err;
    });
    if (flags.dryRun) return await printDownloadPlan(plan, ctx, present, shape);
    const result = await job.fetch(plan).finally(() => bar?.stop());
    await reportDownload(result, ctx, present, shape);
    throwOnFailure(result, flags.lock, ctx.signal);
  } finally {
    await job.close();
  }
}

/** Refs, or a catalogue selection; a version-1 lock records no file URLs, so it needs the refs. */
function checkSelection(refs: string[], flags: DownloadFlags, frozenV1: boolean): void {
  if (refs.length === 0 && frozenV1) {
    throw new UsageError(`the lock ${flags.lock} is version 1, which records no file URLs: give the refs it was made from`, {
      hint: 'or run once with --lock and without --frozen to rewrite it as version 2, which installs alone',
    });
  }
  if (refs.length === 0 && !wantsCatalog(flags) && (flags.where ?? []).length === 0) {
    throw new UsageError('nothing to download: give refs, or select from the catalogue with --search, --where or --basic');
  }
  if (refs.length > 0 && wantsCatalog(flags)) {
    throw new UsageError('--search and --basic select from the whole catalogue; use them without refs');
  }
}

/** Images of the catalogue selection with their collections; one without a catalogued collection is skipped with a notice. */
async function catalogSelection(flags: DownloadFlags, where: WhereClause[], max: number | undefined, ctx: Context, present: Presenter): Promise<Selection> {
  const chosen: { image: Image; collection: Collection }[] = [];
  for (const { image, collection } of await selectFromCatalog(flags, where, max, ctx, present.whereOnly())) {
    if (collection) chosen.push({ image: image as Image, collection: collection as Collection });
    else ctx.warn(`image ${String(image.id)}: its collection is not in the catalogue; skipped (run \`neurovault catalog sync\`)`);
  }
  return chosen;
}

/** The opening line (what, how much, where) and the bar; only on a terminal (`ctx.globals.progress`). */
function startBar(e: Extract<DownloadEvent, { type: 'start' }>, ctx: Context): DownloadBar {
  const again = e.rechecks > 0 ? `; ${e.rechecks} already there are re-hashed first, not fetched again` : '';
  const n = e.collections;
  ctx.warn(`downloading ${counted(e.images, 'image')}, ${planSize(e)}, from ${counted(n, 'collection')} into ${e.out}${again}`);
  return barProgress(ctx, { label: 'downloading', files: e.images, bytes: e.unknownSizes ? undefined : e.bytes, rechecks: e.rechecks, resumed: e.resumed.bytes });
}
