import type { Context } from '../context.js';
import { UsageError } from '../../errors.js';
import { parseWhere } from '../../filter/where.js';
import { parseLimit } from '../parse.js';
import { ftsQuery } from '../../catalog/fts-query.js';
import { searchAll } from '../../catalog/search.js';
import { countHits } from '../../catalog/hit-count.js';
import { catalogKeys } from '../../catalog/keys.js';
import type { Kind } from '../../catalog/schema.js';
import type { RecordShape } from '../../output/presenter.js';
import { COLLECTIONS, IMAGES, LOW_VALUE_COLUMNS } from './shapes.js';
import { openCatalogFor } from './catalog.js';
import { presenterFor } from '../present.js';

export interface SearchFlags {
  images?: boolean;
  collections?: boolean;
  where?: string[];
  limit?: string;
  all?: boolean;
}

const DEFAULT_SEARCH_LIMIT = 20;
const WHY = ['kind', 'matched', 'score'];

const SHAPES: Record<'both' | Kind, RecordShape> = {
  both: { noun: ['hit', 'hits'], defaults: ['kind', 'id', 'name', 'matched'], giveWay: LOW_VALUE_COLUMNS, declared: [...WHY, ...new Set([...COLLECTIONS.declared, ...IMAGES.declared])] },
  images: { ...IMAGES, noun: ['image', 'images'], defaults: ['id', 'collection_id', 'name', 'map_type', 'matched'], declared: [...WHY, ...IMAGES.declared] },
  collections: { ...COLLECTIONS, defaults: ['id', 'name', 'DOI', 'number_of_images', 'matched'], declared: [...WHY, ...COLLECTIONS.declared] },
};

export async function runSearch(words: string[], flags: SearchFlags, ctx: Context): Promise<void> {
  if (flags.images && flags.collections) throw new UsageError('use either --images or --collections, not both');
  const { limit, all } = parseLimit(flags);
  const where = parseWhere(flags.where ?? []);
  const query = ftsQuery(words);
  const only = flags.images ? 'images' : flags.collections ? 'collections' : 'both';
  const kinds: Kind[] = only === 'both' ? ['collections', 'images'] : [only];
  const present = presenterFor(ctx);
  const shape = SHAPES[only];
  const { db } = await openCatalogFor(ctx);
  present.checkNames(catalogKeys(db), shape, where);
  const max = all ? Infinity : (limit ?? DEFAULT_SEARCH_LIMIT);
  const hits = searchAll(db, kinds, query, where, max);
  if (ctx.globals.listFields) return present.fieldNames(hits.slice(0, 100).map((h) => ({ kind: h.kind, ...h.object })), shape);
  // Every stored field is kept; `kind`, `matched` (the fields the words were found in, comma-separated) and
  // `score` (BM25 turned so that higher is better and never negative) say why the record is there.
  const records = hits.map((h) => ({ kind: h.kind, ...h.object, matched: h.matched.join(', '), score: Math.round(Math.max(0, -h.score) * 1000) / 1000 }));
  await present.list(records, shape, { limit: max, total: () => (where.length ? undefined : countHits(db, kinds, query)), filtered: where.length > 0 });
}
