import type { Context } from '../context.js';
import { cacheDir } from '../../config.js';
import { catalogPath } from '../../catalog/location.js';
import { openCatalog, staleNotice, type Catalog } from '../../catalog/reader.js';
import { catalogStatus } from '../../catalog/catalogue.js';
import { InterruptedError } from '../../errors.js';
import { parseIntFlag } from '../parse.js';
import { presenterFor } from '../present.js';
import type { RecordShape } from '../../output/presenter.js';
import { counted, formatBytes, formatCount, formatPercent, formatSeconds } from '../../output/units.js';
import { checkOutputFile } from '../../util/output-path.js';

export interface CatalogSyncFlags {
  pageSize?: string;
  concurrency?: string;
}

/** The server's page cap (DRF max_limit); kept here so reading commands do not load the API client. */
const MAX_PAGE = 1000;
/** The polite ceiling: the live server runs 4 gunicorn workers for everyone. */
const MAX_SYNC_CONCURRENCY = 4;

const STATUS: RecordShape = {
  noun: ['catalogue', 'catalogues'],
  defaults: [],
  declared: ['server', 'path', 'synced_at', 'collections', 'images', 'skipped_collections', 'skipped_images', 'bytes', 'bytes_per_image', 'engine'],
};
const SYNCED: RecordShape = { noun: ['sync', 'syncs'], defaults: [], declared: ['path', 'collections', 'images', 'skipped', 'bytes', 'seconds', 'resumed'] };

export function catalogFile(ctx: Context): string {
  return catalogPath(cacheDir(ctx.env), ctx.globals.baseUrl);
}

/** The catalogue for reading, with the staleness notice; closed when the command ends. */
export async function openCatalogFor(ctx: Context): Promise<Catalog> {
  const catalog = await openCatalog(catalogFile(ctx), ctx.globals.baseUrl);
  ctx.onClose(async () => catalog.db.close());
  const notice = staleNotice(catalog.ageMs);
  if (notice) ctx.warn(notice);
  return catalog;
}

export async function runCatalogSync(flags: CatalogSyncFlags, ctx: Context): Promise<void> {
  const pageSize = parseIntFlag(flags.pageSize ?? String(MAX_PAGE), '--page-size', 1, MAX_PAGE);
  const concurrency = parseIntFlag(flags.concurrency ?? '3', '--concurrency', 1, MAX_SYNC_CONCURRENCY);
  const g = ctx.globals;
  const present = presenterFor(ctx);
  present.checkKnown(SYNCED);
  await checkOutputFile(catalogFile(ctx), 'the catalogue', { makeParents: true });
  const { syncCatalog } = await import('../../catalog/sync.js');
  const api = await ctx.api();
  const started = Date.now();
  const { startWait } = await import('../../output/progress-wait.js');
  const spinner = g.progress ? startWait(ctx, 'catalog: starting') : undefined;
  try {
    const result = await syncCatalog({
      api,
      path: catalogFile(ctx),
      pageSize,
      concurrency,
      signal: ctx.signal,
      warn: (m) => ctx.warn(m), // above the spinner while it shows
      progress: spinner
        ? ({ kind, stored, total }) => {
            spinner.update(`catalog: ${kind} ${formatCount(stored)}/${formatCount(total)} (${formatPercent(stored, total)})`);
          }
        : undefined,
    });
    spinner?.stop();
    const seconds = (Date.now() - started) / 1000;
    await present.result(
      { path: catalogFile(ctx), collections: result.collections, images: result.images, skipped: result.skipped, bytes: result.bytes, seconds, resumed: Boolean(result.resumed) },
      SYNCED,
    );
    if (!g.quiet) {
      const how = result.resumed ? ' (continued an interrupted sync)' : '';
      ctx.warn(
        `catalogue: ${counted(result.collections, 'collection')}, ${counted(result.images, 'image')}, ${formatBytes(result.bytes)} in ${formatSeconds(Date.now() - started)}${how}`,
      );
    }
  } catch (err) {
    spinner?.stop();
    if (ctx.signal.aborted) {
      const reason = ctx.signal.reason;
      throw reason instanceof InterruptedError ? reason : new InterruptedError();
    }
    throw err;
  }
}

export async function runCatalogStatus(ctx: Context): Promise<void> {
  const s = await catalogStatus(catalogFile(ctx), ctx.globals.baseUrl);
  const notice = staleNotice(s.age_ms);
  if (notice) ctx.warn(notice);
  // On a screen the presenter shows the time with its age ("… (17 minutes ago)") and bytes with their
  // size ("1.3 MiB (1366016 bytes)"): no separate age or size fields to say it twice.
  const record = {
    server: s.server,
    path: s.path,
    synced_at: s.synced_at,
    collections: s.collections,
    images: s.images,
    bytes: s.bytes,
    bytes_per_image: s.bytes_per_image,
    skipped_collections: s.skipped_collections,
    skipped_images: s.skipped_images,
    engine: s.engine,
  };
  const present = presenterFor(ctx);
  present.checkKnown(STATUS);
  await present.one(record, STATUS);
}

export async function runCatalogPath(ctx: Context): Promise<void> {
  ctx.io.stdout.write(`${catalogFile(ctx)}\n`);
}

