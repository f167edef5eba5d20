#!/usr/bin/env node
// The floor under `neurovault search`: a process that only loads better-sqlite3, opens the catalogue and
// runs the same two ranking statements (the catalogue's own FTS fields and weights, best 20 of each kind)
// that the search runs, printing the ids. Whatever `search` costs above this is the CLI around the query.
//   node bench/fts-floor.mjs <catalogue path> <words…>
import { createRequire } from 'node:module';
import { FTS_FIELDS } from '../dist/src/catalog/schema.js';
import { ftsQuery } from '../dist/src/catalog/fts-query.js';

const [path, ...words] = process.argv.slice(2);
const Database = createRequire(import.meta.url)('better-sqlite3');
const db = new Database(path, { readonly: true });
const query = ftsQuery(words);
let out = '';
for (const kind of ['collections', 'images']) {
  const weights = FTS_FIELDS[kind].map(([, w]) => w).join(', ');
  const sql = `SELECT rowid AS id, bm25(${kind}_fts, ${weights}) AS score FROM ${kind}_fts WHERE ${kind}_fts MATCH ? ORDER BY score, rowid LIMIT 20`;
  for (const row of db.prepare(sql).iterate(query)) out += `${kind}\t${row.id}\t${db.prepare(`SELECT json FROM ${kind} WHERE id = ?`).get(row.id).json.length}\n`;
}
process.stdout.write(out);
