import { HttpError } from '../http/errors.js';
import { mapLimit } from '../util/map-limit.js';
import { ANY_RECORD, RecordWriter } from './records.js';
import { readMeta, writeMeta } from './schema.js';
import type { Database } from './sqlite.js';
import { syncKind, type SyncOptions } from './sync.js';

interface Seen {
  modify_date: unknown;
  number_of_images: unknown;
}

/**
 * Makes the two lists agree once both are read. The image list takes many minutes to read (and an
 * interrupted sync may continue hours later), while collections change on the server meanwhile:
 * - collections are read again when the sync was continued, or when images name collections the first
 *   read did not have (added during the sync); ids the server no longer lists go;
 * - after a continued sync, every collection that changed in between (new, another `modify_date` or
 *   `number_of_images`, or not as many images stored as it has) gets its images read again from
 *   `/api/collections/<id>/images/`, which is ordered by id and so cannot skip rows the way the unordered
 *   `/api/images/` pages did while the list shifted;
 * - then no image is kept without its collection.
 */
export async function reconcile(db: Database, opts: SyncOptions, resumed: boolean): Promise<void> {
  if (resumed || orphans(db) > 0) {
    const before = snapshot(db);
    const meta = readMeta(db);
    if (meta.get('collections_done') === '1') {
      writeMeta(db, { collections_done: 0, collections_pass: Number(meta.get('collections_pass') ?? 1) + 1 });
    }
    await syncKind(db, 'collections', opts, readMeta(db));
    if (resumed) await rereadChanged(db, before, opts);
  }
  db.exec('DELETE FROM images WHERE collection_id IS NULL OR collection_id NOT IN (SELECT id FROM collections)');
}

function orphans(db: Database): number {
  return Number(
    db.prepare('SELECT count(*) AS n FROM images WHERE collection_id IS NULL OR collection_id NOT IN (SELECT id FROM collections)').get()!.n,
  );
}

function snapshot(db: Database): Map<number, Seen> {
  const out = new Map<number, Seen>();
  for (const r of db.prepare('SELECT id, modify_date, number_of_images FROM collections').all()) {
    out.set(Number(r.id), { modify_date: r.modify_date, number_of_images: r.number_of_images });
  }
  return out;
}

async function rereadChanged(db: Database, before: Map<number, Seen>, opts: SyncOptions): Promise<void> {
  const stored = new Map<number, number>();
  for (const r of db.prepare('SELECT collection_id AS c, count(*) AS n FROM images GROUP BY collection_id').all()) {
    stored.set(Number(r.c), Number(r.n));
  }
  // Ids whose re-read an interrupted run had not finished are done again.
  const pending = new Set<number>(JSON.parse(readMeta(db).get('reread_pending') ?? '[]') as number[]);
  for (const [id, now] of snapshot(db)) {
    const was = before.get(id);
    const changed = !was || was.modify_date !== now.modify_date || was.number_of_images !== now.number_of_images;
    if (changed || (stored.get(id) ?? 0) !== Number(now.number_of_images ?? 0)) pending.add(id);
  }
  writeMeta(db, { reread_pending: JSON.stringify([...pending]) });
  const pass = Number(readMeta(db).get('images_pass') ?? 1);
  const records = new RecordWriter(db, 'images');
  const left = new Set(pending);
  await mapLimit([...pending], opts.concurrency, async (id) => {
    const rows: unknown[] = [];
    let gone = false;
    try {
      for await (const row of opts.api.paginate(opts.api.apiUrl(`collections/${id}/images`), ANY_RECORD, { all: true, signal: opts.signal })) {
        rows.push(row);
      }
    } catch (err) {
      // Deleted (or made private) since the collections were read: its images go with it.
      if (!(err instanceof HttpError && (err.status === 404 || err.status === 403))) throw err;
      gone = true;
    }
    opts.signal.throwIfAborted();
    db.exec('BEGIN');
    try {
      db.prepare('DELETE FROM images WHERE collection_id = ?').run(id);
      if (gone) db.prepare('DELETE FROM collections WHERE id = ?').run(id);
      rows.forEach((row, idx) => records.write(row, pass, `collection:${id}`, idx));
      left.delete(id);
      writeMeta(db, { reread_pending: JSON.stringify([...left]) });
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      records.reload(db);
      throw err;
    }
  });
}
