import { rename, rm, stat } from 'node:fs/promises';
import { makeDirs } from '../util/make-dirs.js';
import { dirname } from 'node:path';
import type { NeuroVaultClient } from '../api/client.js';
import { MAX_COLLECTIONS, MAX_IMAGES } from '../api/schemas.js';
import { partialPath } from './location.js';
import { SCHEMA_VERSION, createSearchIndex, createTables, readMeta, writeMeta, type Kind } from './schema.js';
import { openDatabase, type Database } from './sqlite.js';
import { ANY_RECORD, RecordWriter, skippedRecords } from './records.js';
import { reconcile } from './reconcile.js';
import { CliError, ExitCode } from '../errors.js';
import { counted } from '../util/counts.js';

/**
 * Passes over a list before giving up on a stable answer. The top-level lists have no ORDER BY (and
 * grow while we read), so one pass can overlap and skip; a second pass is usually consistent.
 */
const MAX_PASSES = 3;

export interface SyncProgress {
  kind: Kind;
  stored: number;
  total: number;
}

export interface SyncOptions {
  api: NeuroVaultClient;
  /** The catalogue file; built as `<path>.partial` and renamed over it when complete. */
  path: string;
  pageSize: number;
  concurrency: number;
  signal: AbortSignal;
  progress?: (p: SyncProgress) => void;
  warn: (message: string) => void;
  now?: () => number;
}

export interface SyncResult {
  collections: number;
  images: number;
  bytes: number;
  /** Records left out because they do not match their schema (see `catalog status`). */
  skipped: Record<Kind, number>;
  /** True when an interrupted sync was continued. */
  resumed: boolean;
  passes: Record<Kind, number>;
}

/**
 * Brings every public collection and image into a new catalogue. Pages are stored as they arrive and
 * recorded, so an interrupted sync (Ctrl-C, network failure) continues where it stopped; readers keep
 * the previous catalogue until the new one is complete and renamed over it.
 */
export async function syncCatalog(opts: SyncOptions): Promise<SyncResult> {
  const now = opts.now ?? Date.now;
  const tmp = partialPath(opts.path);
  await makeDirs(dirname(opts.path), 0o700);
  const baseUrl = opts.api.baseUrl;
  let db = await openPartial(tmp);
  let meta = readMeta(db);
  const matches = meta.get('schema') === String(SCHEMA_VERSION) && meta.get('server') === baseUrl && meta.get('page_size') === String(opts.pageSize);
  const resumed = matches && meta.has('started_at');
  if (!matches && meta.size > 0) {
    db.close();
    await rm(tmp, { force: true });
    db = await openPartial(tmp);
    meta = new Map();
  }
  const passes = { collections: 0, images: 0 };
  try {
    if (!resumed) writeMeta(db, { schema: SCHEMA_VERSION, server: baseUrl, page_size: opts.pageSize, started_at: now() });
    for (const kind of ['collections', 'images'] as const) {
      passes[kind] = await syncKind(db, kind, opts, readMeta(db));
    }
    await reconcile(db, opts, resumed);
    createSearchIndex(db);
    const count = (kind: Kind) => Number(db.prepare(`SELECT count(*) AS n FROM ${kind}`).get()!.n);
    const result = { collections: count('collections'), images: count('images') };
    const skipped = skippedRecords(db);
    writeMeta(db, { synced_at: now(), ...result, skipped_collections: skipped.counts.collections, skipped_images: skipped.counts.images });
    const total = skipped.counts.collections + skipped.counts.images;
    if (total > 0) opts.warn(skippedWarning(skipped.counts, skipped.examples));
    db.exec('DELETE FROM pages');
    db.close();
  } catch (err) {
    db.close();
    throw err;
  }
  // The rename is the commit: a reader sees the old catalogue or the new one, never half of one.
  await rename(tmp, opts.path);
  const db2 = await openDatabase(opts.path, { readonly: true });
  const m = readMeta(db2);
  db2.close();
  return {
    collections: Number(m.get('collections')),
    images: Number(m.get('images')),
    skipped: { collections: Number(m.get('skipped_collections')), images: Number(m.get('skipped_images')) },
    bytes: (await stat(opts.path)).size,
    resumed,
    passes,
  };
}

/** One line for every record left out: how many, and the first few with the reason. */
function skippedWarning(counts: Record<Kind, number>, examples: { kind: Kind; id: number | null; reason: string }[]): string {
  const parts = (['collections', 'images'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => counted(counts[k], k === 'images' ? 'image' : 'collection'));
  const shown = examples.map((e) => `${e.kind === 'images' ? 'image' : 'collection'} ${e.id ?? '(no id)'}: ${e.reason}`).join('; ');
  return `catalogue: left out ${parts.join(' and ')} that the server sent in an unexpected shape (${shown}); \`neurovault catalog status\` counts them`;
}

async function openPartial(path: string): Promise<Database> {
  const db = await openDatabase(path);
  try {
    claim(db);
    return db;
  } catch (err) {
    db.close();
    const message = (err as Error).message;
    if (/locked|busy/i.test(message)) {
      throw new CliError(`another \`neurovault catalog sync\` is writing ${path}`, {
        exitCode: ExitCode.failure,
        hint: 'wait for it to finish (its catalogue will be in place for this server)',
      });
    }
    // A killed process leaves a hot journal that SQLite rolls back on open; only power loss could
    // damage the file without it, and then we start afresh.
    if (!/malformed|not a database|corrupt/i.test(message)) throw err;
    await rm(path, { force: true });
    const fresh = await openDatabase(path);
    claim(fresh);
    return fresh;
  }
}

/** Holds the partial file exclusively until closed, so two syncs never write into one catalogue. */
function claim(db: Database): void {
  db.exec('PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768');
  db.exec('BEGIN EXCLUSIVE; COMMIT');
  createTables(db);
}

/** One list into its table; returns the number of passes it took. */
export async function syncKind(db: Database, kind: Kind, opts: SyncOptions, meta: Map<string, string>): Promise<number> {
  let pass = Number(meta.get(`${kind}_pass`) ?? 1);
  if (meta.get(`${kind}_done`) === '1') return pass;
  const records = new RecordWriter(db, kind);
  const recordPage = db.prepare('INSERT OR REPLACE INTO pages (kind, pass, "offset", count) VALUES (?, ?, ?, ?)');
  for (;;) {
    writeMeta(db, { [`${kind}_pass`]: pass });
    const done = new Set(
      db.prepare('SELECT "offset" AS o FROM pages WHERE kind = ? AND pass = ?').all(kind, pass).map((r) => Number(r.o)),
    );
    // Ids read in this pass (stored or skipped), kept in memory: counting rows per page would rescan the table each time.
    const seen = new Set(
      db
        .prepare(`SELECT id FROM ${kind} WHERE pass = ? UNION SELECT id FROM skipped WHERE kind = ? AND pass = ? AND id IS NOT NULL`)
        .all(pass, kind, pass)
        .map((r) => Number(r.id)),
    );
    const { count } = await opts.api.scanPages(opts.api.apiUrl(kind), ANY_RECORD, {
      pageSize: opts.pageSize,
      maxCount: kind === 'images' ? MAX_IMAGES : MAX_COLLECTIONS,
      concurrency: opts.concurrency,
      signal: opts.signal,
      skip: (off) => done.has(off),
      onPage: (offset, page) => {
        if (opts.signal.aborted) return;
        db.exec('BEGIN');
        try {
          page.results.forEach((item, idx) => {
            const id = records.write(item, pass, `list:${offset}`, idx);
            if (id !== undefined) seen.add(id);
          });
          recordPage.run(kind, pass, offset, page.count);
          db.exec('COMMIT');
        } catch (err) {
          db.exec('ROLLBACK');
          records.reload(db);
          throw err;
        }
        opts.progress?.({ kind, stored: seen.size, total: page.count });
      },
    });
    opts.signal.throwIfAborted();
    const counts = db.prepare('SELECT DISTINCT count AS c FROM pages WHERE kind = ? AND pass = ?').all(kind, pass).map((r) => Number(r.c));
    // Records without a usable id were read too: they count toward `count`.
    const nameless = Number(db.prepare('SELECT count(*) AS n FROM skipped WHERE kind = ? AND pass = ? AND id IS NULL').get(kind, pass)!.n);
    const stored = seen.size + nameless;
    const consistent = counts.length === 1 && counts[0] === count && stored === count;
    if (consistent) {
      // Rows not seen in a consistent pass were deleted on the server since an earlier pass.
      db.prepare(`DELETE FROM ${kind} WHERE pass < ?`).run(pass);
      db.prepare('DELETE FROM skipped WHERE kind = ? AND pass < ?').run(kind, pass);
    } else if (pass < MAX_PASSES) {
      pass++;
      continue;
    } else {
      opts.warn(
        `${kind}: the server reported ${counts.join(', ')} items while ${stored} distinct ones came back in ${pass} passes (the list kept changing); the catalogue keeps every one seen`,
      );
    }
    writeMeta(db, { [`${kind}_done`]: 1 });
    return pass;
  }
}
