import type { Context } from '../context.js';
import type { CollectionsListFlags } from '../commands/collections.js';
import { parseDoi, parseCollectionRef } from '../../api/refs.js';
import { parseLimit, parsePositiveInt } from '../parse.js';
import { NotFoundError } from '../../errors.js';
import { parseWhere, matchesWhere, type WhereClause } from '../../filter/where.js';
import { writeObject, writeRecords, type FormatOptions } from '../../output/format.js';
import { COLLECTION_COLUMNS } from './columns.js';
import { findCollectionsByDoi } from '../doi-lookup.js';

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
    const matches = cap((await findCollectionsByDoi(doi, ctx, { useCache: flags.cache !== false })).filter(keep));
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

export async function runCollectionsGet(ref: string, ctx: Context): Promise<void> {
  const parsed = parseCollectionRef(ref);
  const api = await ctx.api();
  const collection = await api.getCollection(parsed, ctx.signal);
  await writeObject(ctx.io, collection, formatOptions(ctx, COLLECTION_COLUMNS));
}
