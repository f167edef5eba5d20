import { UsageError } from '../errors.js';
import { matchesWhere, type WhereClause } from '../filter/where.js';
import { FTS_FIELDS, type Kind } from './schema.js';
import type { Database, Row } from './sqlite.js';
import { ShapeReader } from './shapes.js';

export interface SearchHit {
  kind: 'collection' | 'image';
  /** BM25 (lower is better, as SQLite gives it) */
  score: number;
  /** the full-text fields the query matched in */
  matched: string[];
  object: Record<string, unknown>;
}

const MARK = '\u0001';

/**
 * Ranked full-text hits of one kind, best first, filtered by --where (applied to the stored objects,
 * so any field works, user-defined keys included; `collection.<field>` reads an image's collection).
 */
export function* searchKind(db: Database, kind: Kind, query: string, where: WhereClause[], limit = Infinity): Generator<SearchHit> {
  const fields = FTS_FIELDS[kind];
  const fts = `${kind}_fts`;
  const weights = fields.map(([, w]) => w).join(', ');
  // Rank on the index alone; each object is read only when it is emitted (most searches show 20). Without
  // --where every ranked row is emitted, so SQLite keeps only the best `limit` (a top-N sort: a common
  // word matches tens of thousands of images, and sorting them all was a third of a search).
  const top = where.length === 0 && Number.isSafeInteger(limit) ? ` LIMIT ${limit}` : '';
  const rows = ftsRows(db, `SELECT rowid AS id, bm25(${fts}, ${weights}) AS score FROM ${fts} WHERE ${fts} MATCH ? ORDER BY score, rowid${top}`, query);
  const objectOf = db.prepare(`SELECT json FROM ${kind} WHERE id = ?`);
  // CAST: bound JS numbers arrive as REAL, and FTS5 then drops the rowid constraint (every match comes back).
  const marks = db.prepare(
    `SELECT ${fields.map((_, i) => `highlight(${fts}, ${i}, char(1), '') AS f${i}`).join(', ')} FROM ${fts} WHERE ${fts} MATCH ? AND rowid = CAST(? AS INTEGER)`,
  );
  const shapes = new ShapeReader(db);
  const collectionOf = collectionLookup(db, where, shapes);
  for (const row of rows) {
    const stored = objectOf.get(row.id as number);
    if (!stored) continue;
    const object = shapes.unpack(stored.json);
    if (where.length && !matchesWhere(object, where, kind === 'images' ? collectionOf(object.collection_id) : undefined)) continue;
    const hl = marks.get(query, row.id as number) ?? {};
    const matched = fields.map(([f]) => f).filter((_, i) => String(hl[`f${i}`] ?? '').includes(MARK));
    yield { kind: kind === 'images' ? 'image' : 'collection', score: Number(row.score), matched, object };
  }
}

/**
 * At most `limit` hits of the given kinds, best first. BM25 depends on each table's statistics, so two
 * kinds are merged on their score relative to the best hit of the same kind (1 = as good as the best).
 */
export function searchAll(db: Database, kinds: readonly Kind[], query: string, where: WhereClause[], limit: number): SearchHit[] {
  const ranked: { hit: SearchHit; relative: number }[] = [];
  for (const kind of kinds) {
    let best: number | undefined;
    let n = 0;
    for (const hit of searchKind(db, kind, query, where, limit)) {
      best ??= hit.score;
      ranked.push({ hit, relative: best < 0 ? hit.score / best : 1 });
      if (++n >= limit) break;
    }
  }
  return ranked
    .sort((a, b) => b.relative - a.relative)
    .slice(0, limit)
    .map((r) => r.hit);
}

/** Image ids matching a full-text query (for selections). */
export function matchingImageIds(db: Database, query: string): Set<number> {
  return new Set([...ftsRows(db, 'SELECT rowid AS id FROM images_fts WHERE images_fts MATCH ?', query)].map((r) => Number(r.id)));
}

/** Runs an FTS query; a query FTS5 cannot parse is the user's input, so exit 2. */
export function* ftsRows(db: Database, sql: string, query: string): Generator<Row> {
  try {
    yield* db.prepare(sql).iterate(query);
  } catch (err) {
    const message = (err as Error).message;
    if (/fts5|syntax|no such column/i.test(message)) throw new UsageError(`invalid search "${query}": ${message}`);
    throw err;
  }
}

/** `collection.<field>` in --where: each image's collection, parsed once. */
export function collectionLookup(
  db: Database,
  where: WhereClause[],
  shapes: ShapeReader,
): (id: unknown) => Record<string, unknown> | undefined {
  if (!where.some((c) => c.field.startsWith('collection.'))) return () => undefined;
  const get = db.prepare('SELECT json FROM collections WHERE id = ?');
  const cache = new Map<number, Record<string, unknown> | undefined>();
  return (id) => {
    if (typeof id !== 'number') return undefined;
    if (!cache.has(id)) {
      const row = get.get(id);
      cache.set(id, row ? shapes.unpack(row.json) : undefined);
    }
    return cache.get(id);
  };
}
