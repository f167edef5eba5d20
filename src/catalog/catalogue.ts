import { stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { parseWhere, type WhereClause } from '../filter/where.js';
import { ftsQuery } from './fts-query.js';
import { openCatalog, type Catalog } from './reader.js';
import type { Kind } from './schema.js';
import { searchAll, matchingImageIds, type SearchHit } from './search.js';
import { selectImages, type Selected } from './select.js';

/**
 * The local catalogue as a library: one SQLite file per server (catalogPath), filled by syncCatalog,
 * read by these. Where clauses may be given as text (`map_type=T map`) or parsed.
 */
export type Where = readonly string[] | readonly WhereClause[];

function clauses(where: Where | undefined): WhereClause[] {
  if (!where || where.length === 0) return [];
  return typeof where[0] === 'string' ? parseWhere([...(where as readonly string[])]) : [...(where as readonly WhereClause[])];
}

export interface CatalogStatus {
  server: string | undefined;
  path: string;
  synced_at: string;
  /** ms since the sync finished */
  age_ms: number;
  collections: number;
  images: number;
  bytes: number;
  bytes_per_image: number | null;
  /** Records the server sent in a shape the catalogue cannot hold (the sync warned about them). */
  skipped_collections: number;
  skipped_images: number;
  engine: string;
}

/** What is in a catalogue file and how old it is (opens and closes it). */
export async function catalogStatus(path: string, baseUrl: string): Promise<CatalogStatus> {
  const catalog = await openCatalog(path, baseUrl);
  try {
    const m = catalog.meta;
    const bytes = (await stat(path)).size;
    const images = Number(m.get('images'));
    return {
      server: m.get('server'),
      path,
      synced_at: new Date(Number(m.get('synced_at'))).toISOString(),
      age_ms: catalog.ageMs,
      collections: Number(m.get('collections')),
      images,
      bytes,
      bytes_per_image: images > 0 ? Math.round(bytes / images) : null,
      skipped_collections: Number(m.get('skipped_collections') ?? 0),
      skipped_images: Number(m.get('skipped_images') ?? 0),
      engine: catalog.db.engine,
    };
  } finally {
    catalog.db.close();
  }
}

export interface SearchOptions {
  /** Default both. */
  kinds?: readonly Kind[];
  where?: Where;
  /** Default 20; Infinity for all. */
  limit?: number;
}

/** Ranked full-text hits (BM25, best first) for these words. */
export function searchCatalog(catalog: Catalog, words: readonly string[], opts: SearchOptions = {}): SearchHit[] {
  return searchAll(catalog.db, opts.kinds ?? ['collections', 'images'], ftsQuery(words), clauses(opts.where), opts.limit ?? 20);
}

export interface SelectOptions {
  /** Full-text words the images must match. */
  search?: string;
  /** nilearn's default filter (fetch_neurovault). */
  basic?: boolean;
  where?: Where;
  max?: number;
}

/** Images matching the selection, by ascending id, each with its catalogued collection (undefined when it is not there). */
export function selectFromCatalog(catalog: Catalog, opts: SelectOptions): Selected[] {
  const query = opts.search === undefined ? undefined : ftsQuery([opts.search]);
  if (query === undefined && opts.search !== undefined) throw new UsageError('--search needs words');
  const ids = query === undefined ? undefined : matchingImageIds(catalog.db, query);
  return [...selectImages(catalog.db, { ids, where: clauses(opts.where), basic: Boolean(opts.basic), max: opts.max })];
}
