import type { Context } from './context.js';
import { cacheDir } from '../config.js';
import type { CollectionDoi } from '../api/schemas.js';
import { formatCount } from '../output/units.js';
import { relativeAge } from '../output/humanize.js';

/**
 * Collections with this (normalised) DOI: the cached index when fresh (no network, no heavy modules),
 * else the server, refreshing the index after a full scan. Shared by `collections list --doi` and
 * `download <doi>`; the notices say on stderr how the answer was found.
 */
export async function findCollectionsByDoi(
  doi: string,
  ctx: Context,
  opts: { useCache?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const { DoiIndexBuilder, INDEX_STALE_MS, lookupDoiIndex, writeDoiIndex } = await import('../api/doi-index.js');
  const dir = cacheDir(ctx.env);
  const { baseUrl, quiet } = ctx.globals;
  if (opts.useCache !== false) {
    const hit = await lookupDoiIndex(dir, baseUrl, doi);
    if (hit && 'damaged' in hit) ctx.warn(`the cached collection index was damaged (${hit.damaged}); it was removed, asking the server`);
    else if (hit) {
      // Said when the answer may be behind the server (an index some hours old), else only with -v.
      const line = `answered from the collection index cached ${relativeAge(hit.ageMs)} (--no-cache to ask the server)`;
      if (hit.ageMs >= INDEX_STALE_MS && !quiet) ctx.warn(line);
      else ctx.log(line);
      return hit.matches;
    }
  }
  const api = await ctx.api();
  const { withWait } = await import('../output/progress-wait.js');
  const { collectionDois } = await import('../api/refs.js');
  // Filled page by page during a scan, so encoding overlaps the wait for the next pages.
  const index = new DoiIndexBuilder<CollectionDoi>(collectionDois);
  const result = await withWait(ctx, `looking up DOI ${doi}`, () =>
    api.findCollectionsByDoi(doi, ctx.signal, (page) => index.add(page)),
  );
  if (result.method === 'scan' && result.scanned) {
    // How the server behaves is no news to the user: -v says it (the index spares the next runs the scan).
    ctx.log(`the server did not apply ?DOI=, so all ${formatCount(result.scanned.length)} public collections were scanned (pages of 1000 in parallel) and matched locally`);
    await writeDoiIndex(dir, baseUrl, index).catch((err: Error) => ctx.log(`could not write the DOI index: ${err.message}`));
  }
  return result.matches;
}
