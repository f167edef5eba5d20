import type { Context } from '../context.js';
import { parseDoi, parseCollectionRef } from '../../api/refs.js';
import { parseLimit, parsePositiveInt } from '../parse.js';
import { parseWhere, matchesWhere, type WhereClause } from '../../filter/where.js';
import { COLLECTIONS, DEFAULT_LIST_LIMIT } from './shapes.js';
import { findCollectionsByDoi } from '../doi-lookup.js';
import { presentDoiMatches } from '../doi-matches.js';
import { sampleOnce } from '../../output/fields.js';
import { countedWait } from '../../output/progress-wait.js';
import { presenterFor } from '../present.js';

export interface CollectionsListFlags {
  doi?: string;
  name?: string;
  owner?: string;
  limit?: string;
  all?: boolean;
  where?: string[];
  cache?: boolean;
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
  const max = all ? Infinity : (limit ?? DEFAULT_LIST_LIMIT);

  if (doi !== undefined) {
    const found = await findCollectionsByDoi(doi, ctx, { useCache: flags.cache !== false });
    return presentDoiMatches(found, doi, { name: flags.name, owner, where, keep }, max, ctx);
  }
  const present = presenterFor(ctx);
  const api = await ctx.api();
  if (ctx.globals.listFields) {
    return present.fieldNames(await sampleOnce(api.listCollections({ limit: 100, signal: ctx.signal })), COLLECTIONS);
  }
  let total: number | undefined;
  const items = api.listCollections({
    limit,
    all,
    query: { name: flags.name, owner },
    filter: keep as (c: never) => boolean,
    onPage: (page) => {
      if (total === undefined) present.check(page.results, COLLECTIONS, where);
      total = page.count;
    },
    signal: ctx.signal,
  });
  const filtered = where.length > 0 || flags.name !== undefined || owner !== undefined;
  await present.list(countedWait(ctx, 'listing collections', items), COLLECTIONS, { limit: max, total: () => total, filtered });
}

export async function runCollectionsGet(ref: string, ctx: Context, web = false): Promise<void> {
  const parsed = parseCollectionRef(ref);
  if (web) {
    const { openPage } = await import('./open.js');
    return openPage(ctx, { kind: 'collection', ref: parsed });
  }
  const api = await ctx.api();
  const collection = await api.getCollection(parsed, ctx.signal);
  const present = presenterFor(ctx);
  if (ctx.globals.listFields) return present.fieldNames([collection], COLLECTIONS);
  present.check([collection], COLLECTIONS);
  await present.one(collection, COLLECTIONS);
}
