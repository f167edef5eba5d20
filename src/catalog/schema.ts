import type { Database, SqlValue } from './sqlite.js';

/** Bumped when the layout changes; an older catalogue is treated as missing. */
export const SCHEMA_VERSION = 3;

export type Kind = 'collections' | 'images';

/**
 * Fields copied into columns (searchable or filterable in SQL); every object is also kept whole as
 * `json` (packed, see shapes.ts), so user-defined keys and fields added by the server later are never lost. Columns have no
 * declared type: a value keeps the JSON type it had (false stays 0, "False" stays text), which
 * --basic relies on to reproduce nilearn's comparisons exactly.
 */
export const COLUMNS: Record<Kind, readonly string[]> = {
  collections: ['name', 'description', 'authors', 'journal_name', 'DOI', 'preprint_DOI', 'owner_name', 'number_of_images', 'modify_date'],
  images: [
    'collection_id', 'name', 'description', 'contrast_definition', 'cognitive_paradigm_cogatlas',
    'cognitive_contrast_cogatlas', 'task', 'map_type', 'modality', 'image_type', 'analysis_level',
    'not_mni', 'is_thresholded', 'file_size', 'modify_date',
  ],
};

/** Full-text fields with their BM25 weight: a match in a name counts most. */
export const FTS_FIELDS: Record<Kind, readonly (readonly [string, number])[]> = {
  collections: [['name', 10], ['description', 1], ['authors', 4], ['journal_name', 2], ['DOI', 4], ['preprint_DOI', 4]],
  images: [
    ['name', 10], ['description', 1], ['contrast_definition', 3], ['cognitive_paradigm_cogatlas', 4],
    ['cognitive_contrast_cogatlas', 4], ['task', 4], ['map_type', 2], ['modality', 2],
  ],
};

export function createTables(db: Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE IF NOT EXISTS shapes (id INTEGER PRIMARY KEY, keys TEXT NOT NULL UNIQUE);
    CREATE TABLE IF NOT EXISTS pages (kind TEXT, pass INTEGER, "offset" INTEGER, count INTEGER, PRIMARY KEY (kind, pass, "offset"));
    CREATE TABLE IF NOT EXISTS skipped (kind TEXT, pass INTEGER, source TEXT, idx INTEGER, id INTEGER, reason TEXT, PRIMARY KEY (kind, pass, source, idx));
    ${(['collections', 'images'] as const)
      .map((k) => `CREATE TABLE IF NOT EXISTS ${k} (id INTEGER PRIMARY KEY, ${COLUMNS[k].map((c) => `"${c}"`).join(', ')}, json TEXT NOT NULL, pass INTEGER NOT NULL);`)
      .join('\n')}
  `);
}

/** Built once the rows are complete: one bulk build is much faster than indexing row by row. */
export function createSearchIndex(db: Database): void {
  for (const kind of ['collections', 'images'] as const) {
    const cols = FTS_FIELDS[kind].map(([c]) => `"${c}"`).join(', ');
    db.exec(`
      CREATE INDEX IF NOT EXISTS ${kind}_pass ON ${kind}(pass);
      DROP TABLE IF EXISTS ${kind}_fts;
      CREATE VIRTUAL TABLE ${kind}_fts USING fts5(${cols}, content='${kind}', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
      INSERT INTO ${kind}_fts(${kind}_fts) VALUES ('rebuild');
    `);
  }
  db.exec('CREATE INDEX IF NOT EXISTS images_collection ON images(collection_id)');
}

/** A JSON value as a column value; nested values as their JSON text. */
export function sqlValue(v: unknown): SqlValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function upsertSql(kind: Kind): string {
  const cols = ['id', ...COLUMNS[kind], 'json', 'pass'];
  return `INSERT OR REPLACE INTO ${kind} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
}

/** `json` is the whole object, packed by shapes.ts. */
export function upsertParams(kind: Kind, obj: Record<string, unknown>, json: string, pass: number): SqlValue[] {
  return [obj.id as number, ...COLUMNS[kind].map((c) => sqlValue(obj[c])), json, pass];
}

export function readMeta(db: Database): Map<string, string> {
  return new Map(db.prepare('SELECT key, value FROM meta').all().map((r) => [String(r.key), String(r.value)]));
}

export function writeMeta(db: Database, values: Record<string, string | number>): void {
  const stmt = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  for (const [k, v] of Object.entries(values)) stmt.run(k, String(v));
}
