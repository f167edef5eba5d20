import type { Context } from '../context.js';
import type { CollectionsListFlags } from '../commands/collections.js';
import { parseDoi, parseCollectionRef } from '../../api/refs.js';
import { parseLimit, parsePositiveInt } from '../parse.js';
import { NotFoundError } from '../../errors.js';
import { parseWhere, matchesWhere, type WhereClause } from '../../filter/where.js';
import { writeObject, writeRecords, type FormatOptions } from '../../output/format.js';
import { COLLECTION_COLUMNS } from './columns.js';
import { cacheDir } from '../../config.js';

function formatOptions(ctx: Context, defaults: string[]): FormatOptions {
  const g = ctx.globals;
  return { format: g.output, columns: g.columns ?? defaults, color: g.color };
}

/** `--name` is an exact match and `--owner` an id; both re-checked here since the server may ignore them. */
function localFilter(flags: { name?: string; owner?: number; where: WhereClause[] }) {
  const name = flags.name?.trim().toLowerCase();
  return (c: Record<string, unknown>): boolean =>
    (name === undefined || (typeof c.name === 'string' && c.name.trim().toLowerCase() === name)) &&
    (flags.owner === undefined || c.owner === flags.owner) &&
    matchesWhere(c, flags.where);
}

export async function runCollectionsList(flags: CollectionsListFlags, ctx: Context): Promise<void> {
  // Everything is validated before the first request.
  const { limit, all } = parseLimit(flags);
  const doi = flags.doi === undefined ? undefined : parseDoi(flags.doi);
  const owner = parsePositiveInt(flags.owner, '--owner');
  const where = parseWhere(flags.where ?? []);
  const keep = localFilter({ name: flags.name, owner, where });
  const fmt = formatOptions(ctx, COLLECTION_COLUMNS);
  const cap = (items: Record<string, unknown>[]) => (all ? items : items.slice(0, limit ?? 100));

  if (doi !== undefined) {
    const matches = cap((await findByDoi(doi, flags.cache !== false, ctx)).filter(keep));
    if (matches.length === 0) throw new NotFoundError(`no collection has DOI ${doi}`);
    await writeRecords(ctx.io, matches, fmt);
    return;
  }
  const api = await ctx.api();
  const items = api.listCollections({
    limit,
    all,
    query: { name: flags.name, owner },
    filter: keep as (c: never) => boolean,
    signal: ctx.signal,
  });
  await writeRecords(ctx.io, items, fmt);
}

/** Cached index first (no network, no heavy modules), then the server, refreshing the index after a scan. */
async function findByDoi(doi: string, useCache: boolean, ctx: Context): Promise<Record<string, unknown>[]> {
  const { lookupDoiIndex, writeDoiIndex } = await import('../../api/doi-index.js');
  const dir = cacheDir(ctx.env);
  const { baseUrl, quiet } = ctx.globals;
  if (useCache) {
    const hit = await lookupDoiIndex(dir, baseUrl, doi);
    if (hit) {
      if (!quiet) ctx.warn(`answered from the collection index cached ${Math.round(hit.ageMs / 60_000)} min ago (--no-cache to ask the server)`);
      return hit.matches;
    }
  }
  const api = await ctx.api();
  const result = await api.findCollectionsByDoi(doi, ctx.signal);
  if (result.method === 'scan' && result.scanned) {
    if (!quiet) {
      ctx.warn(
        `the server did not apply ?DOI=, so all ${result.scanned.length} public collections were scanned (pages of 1000 in parallel) and matched locally`,
      );
    }
    const { normalizeDoi } = await import('../../api/refs.js');
    await writeDoiIndex(dir, baseUrl, result.scanned, normalizeDoi).catch((err: Error) =>
      ctx.log(`could not write the DOI index: ${err.message}`),
    );
  }
  return result.matches;
}

export async function runCollectionsGet(ref: string, ctx: Context): Promise<void> {
  const parsed = parseCollectionRef(ref);
  const api = await ctx.api();
  const collection = await api.getCollection(parsed, ctx.signal);
  await writeObject(ctx.io, collection, formatOptions(ctx, COLLECTION_COLUMNS));
}
