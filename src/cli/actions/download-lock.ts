import { counted } from '../../output/units.js';
import type { Context } from '../context.js';
import type { DownloadFlags } from '../commands/download.js';
import { printPlan, refuseDifferences, report, startBar, transportOnDemand, type Settings } from './download.js';
import { selectionDifference, type Lock, type LockSelection } from '../../download/lock.js';
import { lockedItems, planFromLock } from '../../download/install-from-lock.js';
import { DEFAULT_BREAKER_THRESHOLD, runEngine, type Outcome } from '../../download/engine.js';
import { MIN_BODY_BYTES_PER_SECOND } from '../../download/fetch-file.js';
import { MANIFEST_FILE, collectionMetadataPath } from '../../download/layout.js';
import { silentProgress } from '../../download/progress.js';
import type { Plan } from '../../download/plan.js';
import type { Sink } from '../../download/sink.js';
import { withWait } from '../../output/progress-wait.js';
import { terminalLine } from '../../util/terminal-text.js';

/**
 * `download --lock <v2 lock> --frozen`: installs the lock (src/download/install-from-lock.ts). Refs and
 * filters are optional; given, they must be the ones the lock was made from. The API client (and with it
 * any socket) is made only when something has to be fetched.
 */
export async function runFromLock(
  lock: Lock,
  selection: LockSelection,
  flags: DownloadFlags,
  settings: Settings,
  sink: Sink | undefined,
  ctx: Context,
): Promise<void> {
  const file = flags.lock!;
  const asked = selection.refs.length > 0 || selection.where.length > 0 || selection.search !== null || selection.basic || selection.max_images !== null;
  const differs = asked ? selectionDifference(lock, selection) : undefined;
  if (differs) refuseDifferences([differs], file, ctx);

  if (flags.dryRun || !sink) {
    const items = lockedItems(lock, settings.shard);
    const collections: Plan['collections'] = new Map();
    for (const i of items) collections.set(i.collectionId, { path: collectionMetadataPath(i.collectionId), metadata: {}, text: '' });
    await printPlan({ items, collections, unavailable: [] }, ctx);
    return;
  }

  const g = ctx.globals;
  const started = Date.now();
  const force = Boolean(flags.force);
  try {
    const plan = await withWait(ctx, `checking ${sink.location} against the lock ${file}`, () =>
      planFromLock(lock, {
        sink,
        shard: settings.shard,
        signal: ctx.signal,
        force,
        offline: g.offline,
        connect: () => ctx.api(),
        concurrency: settings.concurrency,
        warn: (m) => ctx.warn(m),
      }),
    );
    if (plan.badManifestLines > 0) ctx.warn(`${MANIFEST_FILE}: ignored ${counted(plan.badManifestLines, 'line')} that are not entries`);
    refuseDifferences(plan.differences, file, ctx);
    for (const c of plan.collections.values()) await sink.writeText(c.path, c.text);

    // Files come from the lock's URLs; the client behind them is made on the first one actually needed.
    const transport = transportOnDemand(ctx);
    const bar = g.progress && plan.requests.files > 0 ? startBar(plan, new Map(), force, sink.location, ctx) : undefined;
    const progress = bar ?? silentProgress(ctx.io);
    let outcome: Outcome;
    try {
      outcome = await runEngine(plan.items, {
        transport: bar ? bar.watchTransport(transport) : transport,
        sink: bar ? bar.watch(sink) : sink,
        concurrency: settings.concurrency,
        force,
        retries: g.retries,
        backoff: { baseMs: ctx.retryBaseMs ?? 300, maxMs: 20_000 },
        breakerThreshold: DEFAULT_BREAKER_THRESHOLD,
        minRate: { windowMs: g.timeoutMs, bytesPerSecond: MIN_BODY_BYTES_PER_SECOND },
        signal: ctx.signal,
        previous: plan.previous,
        proven: plan.proven,
        progress,
        warn: (m) => progress.note(terminalLine(`neurovault: ${m}`)),
      });
    } finally {
      progress.stop();
    }
    await report(plan, outcome, { out: sink.location, started, lockFile: file, frozen: true, selection }, ctx);
  } finally {
    await sink.close?.();
  }
}
