import type { Context } from '../cli/context.js';
import type { DownloadResult } from '../download/download-selection.js';
import type { Plan } from '../download/plan.js';
import type { Presenter, RecordShape } from './presenter.js';
import { counted, formatBytes, formatCount, formatSeconds } from './units.js';

/** `97.7 MiB` or `97.7 MiB (+3 of unknown size)`. */
export function planSize(p: { bytes: number; unknownSizes: number }): string {
  return `${formatBytes(p.bytes)}${p.unknownSizes ? ` (+${p.unknownSizes} of unknown size)` : ''}`;
}

function sizeOf(plan: Plan): { bytes: number; unknownSizes: number } {
  return {
    bytes: plan.items.reduce((n, i) => n + (i.expect.bytes ?? 0), 0),
    unknownSizes: plan.items.filter((i) => i.expect.bytes === undefined).length,
  };
}

/** `download --dry-run`: the plan as records on stdout, what cannot be fetched and the totals on stderr. */
export async function printDownloadPlan(plan: Plan, ctx: Context, present: Presenter, shape: RecordShape): Promise<void> {
  const g = ctx.globals;
  const records = plan.items.map((i) => ({ id: i.id, collection_id: i.collectionId, bytes: i.expect.bytes ?? null, path: i.path }));
  await present.list(records, shape, { limit: Infinity });
  for (const u of plan.unavailable) ctx.warn(`image ${u.id} (collection ${u.collectionId}): ${u.reason}`);
  if (!g.quiet) {
    ctx.warn(`dry run: ${counted(plan.items.length, 'image')}, ${planSize(sizeOf(plan))} from ${counted(plan.collections.size, 'collection')}; nothing fetched`);
  }
}

/** Each failure and the summary line on stderr; with `-o` (any format) the summary object on stdout. */
export async function reportDownload(result: DownloadResult, ctx: Context, present: Presenter, shape: RecordShape): Promise<void> {
  const g = ctx.globals;
  const { outcome, failures, plan } = result;
  for (const f of failures) ctx.warn(`image ${f.id} (collection ${f.collection_id}): ${f.reason}`);
  if (result.lockSkipped && !outcome.interrupted) {
    ctx.warn(`the lock ${result.lockFile ?? ''} was not written: it only describes complete downloads`);
  }
  const ms = result.ms;
  if (!g.quiet) {
    const rate = outcome.bytes > 0 ? ` (${formatBytes((outcome.bytes * 1000) / Math.max(1, ms))}/s)` : '';
    const stopped = outcome.notStarted > 0 ? `, ${formatCount(outcome.notStarted)} not started` : '';
    const head = outcome.interrupted ? 'interrupted: ' : '';
    const counts = `fetched ${formatCount(outcome.fetched)}, skipped ${formatCount(outcome.skipped)}, failed ${formatCount(failures.length)}${stopped}`;
    ctx.warn(`${head}${counts} · ${formatBytes(outcome.bytes)} in ${formatSeconds(ms)}${rate} → ${result.out}`);
    if (outcome.interrupted) {
      if (result.kept && result.kept.files > 0) ctx.warn(`kept ${counted(result.kept.files, 'partial file')}, ${formatBytes(result.kept.bytes)}, as *.part`);
      ctx.printLine('hint: run the same command again to resume: finished files are kept and *.part files continue');
    }
  }
  {
    const summary = {
      out: result.out,
      manifest: result.manifest,
      images: plan.items.length + plan.unavailable.length,
      fetched: outcome.fetched,
      skipped: outcome.skipped,
      failed: failures.length,
      not_started: outcome.notStarted,
      bytes: outcome.bytes,
      seconds: Math.round(ms) / 1000,
      interrupted: outcome.interrupted,
      server_down: outcome.serverDown !== undefined,
      lock: result.lockWritten ?? null,
      failures: failures.map(({ id, collection_id, reason }) => ({ id, collection_id, reason })),
    };
    await present.result(summary, shape);
  }
}
