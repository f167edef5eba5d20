import type { Context } from '../context.js';
import { UsageError } from '../../errors.js';
import { parseWhere } from '../../filter/where.js';
import { parseLimit } from '../parse.js';
import { searchCatalog } from '../../catalog/catalogue.js';
import type { Kind } from '../../catalog/schema.js';
import { writeRecords } from '../../output/format.js';
import { outputOptions } from './columns.js';
import { openCatalogFor } from './catalog.js';

export interface SearchFlags {
  images?: boolean;
  collections?: boolean;
  where?: string[];
  limit?: string;
  all?: boolean;
}

const DEFAULT_SEARCH_LIMIT = 20;

const COLUMNS = {
  both: ['kind', 'id', 'name', 'matched'],
  images: ['id', 'collection_id', 'name', 'map_type', 'matched'],
  collections: ['id', 'name', 'DOI', 'number_of_images', 'matched'],
};

export async function runSearch(words: string[], flags: SearchFlags, ctx: Context): Promise<void> {
  if (flags.images && flags.collections) throw new UsageError('use either --images or --collections, not both');
  const { limit, all } = parseLimit(flags);
  const where = parseWhere(flags.where ?? []);
  const only = flags.images ? 'images' : flags.collections ? 'collections' : 'both';
  const kinds: Kind[] = only === 'both' ? ['collections', 'images'] : [only];
  const catalog = await openCatalogFor(ctx);
  const hits = searchCatalog(catalog, words, { kinds, where, limit: all ? Infinity : (limit ?? DEFAULT_SEARCH_LIMIT) });
  // Every stored field is kept; `kind`, `matched` (the fields the words were found in, comma-separated) and `score`
  // (BM25, lower is better) say why the record is there.
  const records = hits.map((h) => ({ kind: h.kind, ...h.object, matched: h.matched.join(', '), score: Math.round(h.score * 1000) / 1000 }));
  await writeRecords(ctx.io, records, outputOptions(ctx, COLUMNS[only], 'list'));
}
