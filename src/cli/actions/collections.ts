import type { Context } from '../context.js';
import { parseDoi, parseCollectionRef } from '../../api/refs.js';
import { Collection } from '../../api/schemas.js';
import { parseLimit, parsePositiveInt } from '../parse.js';
import { NotFoundError } from '../../errors.js';
import { parseWhere, matchesWhere, type WhereClause } from '../../filter/where.js';
import { writeObject, writeRecords } from '../../output/format.js';
import { COLLECTION_COLUMNS, fieldUses, outputOptions } from './columns.js';
import { findCollectionsByDoi } from '../doi-lookup.js';
import { checkFields } from '../field-check.js';
import { ListTally, notify, showingOf } from '../list-notice.js';
import { printFieldNames, sampleOnce } from './fields.js';
import { countedWait } from '../../output/progress-wait.js';

export interface CollectionsListFlags {
  doi?: string;
  name?: string;
  owner?: string;
  limit?: string;
  all?: boolean;
  where?: string[];
  cache?: boolean;
}

const DECLARED = Object.keys(Collection.shape);

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
  const fmt = outputOptions(ctx, COLLECTION_COLUMNS, 'list');
  const uses = fieldUses(ctx, where);
  const max = all ? Infinity : (limit ?? 100);

  if (doi !== undefined) {
    const found = await findCollectionsByDoi(doi, ctx, { useCache: flags.cache !== false });
    if (ctx.globals.listFields) return printFieldNames(ctx, found, DECLARED);
    checkFields(uses, found, DECLARED);
    const kept = found.filter(keep);
    if (kept.length === 0) throw new NotFoundError(`no collection has DOI ${doi}`);
    const shown = await writeRecords(ctx.io, kept.slice(0, max), fmt);
    if (shown < kept.length) notify(ctx, showingOf(shown, kept.length));
    return;
  }
  const api = await ctx.api();
  if (ctx.globals.listFields) {
    return printFieldNames(ctx, await sampleOnce(api.listCollections({ limit: 100, signal: ctx.signal })), DECLARED);
  }
  const tally = new ListTally();
  const items = api.listCollections({
    limit,
    all,
    query: { name: flags.name, owner },
    filter: keep as (c: never) => boolean,
    onPage: (page) => {
      if (tally.count === undefined) checkFields(uses, page.results, DECLARED);
      tally.onPage(page);
    },
    signal: ctx.signal,
  });
  const shown = await writeRecords(ctx.io, countedWait(ctx, 'listing collections', items), fmt);
  const filtered = where.length > 0 || flags.name !== undefined || owner !== undefined;
  notify(ctx, tally.notice(shown, max, filtered));
}

export async function runCollectionsGet(ref: string, ctx: Context, web = false): Promise<void> {
  const parsed = parseCollectionRef(ref);
  if (web) {
    const { openPage } = await import('./open.js');
    return openPage(ctx, { kind: 'collection', ref: parsed });
  }
  const api = await ctx.api();
  const collection = await api.getCollection(parsed, ctx.signal);
  if (ctx.globals.listFields) return printFieldNames(ctx, [collection], DECLARED);
  checkFields(fieldUses(ctx, []), [collection], DECLARED);
  await writeObject(ctx.io, collection, outputOptions(ctx, COLLECTION_COLUMNS, 'get'));
}
