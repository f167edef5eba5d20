import type { Context } from './context.js';
import { cacheDir } from '../config.js';

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
  const { lookupDoiIndex, writeDoiIndex } = await import('../api/doi-index.js');
  const dir = cacheDir(ctx.env);
  const { baseUrl, quiet } = ctx.globals;
  if (opts.useCache !== false) {
    const hit = await lookupDoiIndex(dir, baseUrl, doi);
    if (hit && 'damaged' in hit) ctx.warn(`the cached collection index was damaged (${hit.damaged}); it was removed, asking the server`);
    else if (hit) {
      if (!quiet) {
        ctx.warn(`answered from the collection index cached ${Math.round(hit.ageMs / 60_000)} min ago (--no-cache to ask the server)`);
      }
      return hit.matches;
    }
  }
  const api = await ctx.api();
  const { withWait } = await import('../output/progress-wait.js');
  const result = await withWait(ctx, `looking up DOI ${doi}`, () => api.findCollectionsByDoi(doi, ctx.signal));
  if (result.method === 'scan' && result.scanned) {
    if (!quiet) {
      ctx.warn(
        `the server did not apply ?DOI=, so all ${result.scanned.length} public collections were scanned (pages of 1000 in parallel) and matched locally`,
      );
    }
    const { collectionDois } = await import('../api/refs.js');
    await writeDoiIndex(dir, baseUrl, result.scanned, collectionDois).catch((err: Error) =>
      ctx.log(`could not write the DOI index: ${err.message}`),
    );
  }
  return result.matches;
}
