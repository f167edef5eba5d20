import type { Context } from './context.js';
import { NotFoundError } from '../errors.js';
import type { WhereClause } from '../filter/where.js';
import { COLLECTIONS } from './actions/shapes.js';
import { presenterFor } from './present.js';
import { counted } from '../util/counts.js';

export interface DoiFilters {
  name?: string;
  owner?: number;
  where: WhereClause[];
  keep: (c: Record<string, unknown>) => boolean;
}

/**
 * What `collections list --doi` prints for the collections found with a DOI, wherever they were found
 * (the server, the DOI index through the tree, or src/cli/cached-doi-answer.ts without it).
 */
export async function presentDoiMatches(
  found: Record<string, unknown>[],
  doi: string,
  filters: DoiFilters,
  max: number,
  ctx: Context,
): Promise<void> {
  const present = presenterFor(ctx);
  if (ctx.globals.listFields) return present.fieldNames(found, COLLECTIONS);
  present.check(found, COLLECTIONS, filters.where);
  const kept = found.filter(filters.keep);
  if (kept.length === 0) {
    // The DOI may well be there: then it is the pair (or more) that matches nothing, and the filters are named.
    const others = [
      ...(filters.name !== undefined ? [`--name "${filters.name}"`] : []),
      ...(filters.owner !== undefined ? [`--owner ${filters.owner}`] : []),
      ...filters.where.map((c) => `--where "${c.raw}"`),
    ];
    if (found.length === 0 || others.length === 0) throw new NotFoundError(`no collection has DOI ${doi}`);
    const which = found.length === 1 ? `collection ${String(found[0]!.id)} has DOI ${doi} but does not match` : `${counted(found.length, 'collection')} have DOI ${doi}; none matches`;
    throw new NotFoundError(`${which} ${others.join(' and ')}`, { hint: `drop ${others.length === 1 ? 'it' : 'them'} to list what has the DOI` });
  }
  await present.list(kept.slice(0, max), COLLECTIONS, { limit: max, total: () => kept.length });
}
