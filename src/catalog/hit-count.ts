import type { Kind } from './schema.js';
import type { Database } from './sqlite.js';
import { ftsRows } from './search.js';

/** How many records of these kinds the full-text query matches (the index alone, no object read). */
export function countHits(db: Database, kinds: readonly Kind[], query: string): number {
  let n = 0;
  for (const kind of kinds) {
    for (const row of ftsRows(db, `SELECT count(*) AS n FROM ${kind}_fts WHERE ${kind}_fts MATCH ?`, query)) n += Number(row.n);
  }
  return n;
}
