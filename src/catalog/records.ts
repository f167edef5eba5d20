import * as z from 'zod/mini';
import { shapeProblem } from '../api/client.js';
import { Collection, Image } from '../api/schemas.js';
import { upsertParams, upsertSql, type Kind } from './schema.js';
import type { Database, Statement } from './sqlite.js';
import { ShapeWriter } from './shapes.js';

const SCHEMAS: Record<Kind, z.ZodMiniType> = { collections: Collection, images: Image };

/** Pages are read without judging their items, so one bad record costs itself, not its page. */
export const ANY_RECORD = z.unknown() as unknown as z.ZodMiniType<{ id: number }>;

/**
 * Stores the records of one kind, each checked against its schema on its own: a record that fails (an
 * `image_type: null`, a missing name) is not stored but noted in `skipped` with the reason, so the sync
 * goes on and `catalog status` can say what is missing. Call inside the transaction of its page.
 */
export class RecordWriter {
  private readonly upsert: Statement;
  private readonly skip: Statement;
  private readonly shapes: ShapeWriter;

  constructor(
    db: Database,
    readonly kind: Kind,
  ) {
    this.upsert = db.prepare(upsertSql(kind));
    this.skip = db.prepare('INSERT OR REPLACE INTO skipped (kind, pass, source, idx, id, reason) VALUES (?, ?, ?, ?, ?, ?)');
    this.shapes = new ShapeWriter(db);
  }

  /** The record's id when it has one (stored or skipped), else undefined. `source` + `idx` say where it was read. */
  write(item: unknown, pass: number, source: string, idx: number): number | undefined {
    const obj = item as Record<string, unknown>;
    const id = obj !== null && typeof obj === 'object' && Number.isSafeInteger(obj.id) ? (obj.id as number) : undefined;
    const problem = shapeProblem(SCHEMAS[this.kind], item);
    if (problem !== undefined) {
      this.skip.run(this.kind, pass, source, idx, id ?? null, problem);
      return id;
    }
    this.upsert.run(...upsertParams(this.kind, obj, this.shapes.pack(obj), pass));
    return id;
  }

  /** After a rollback: forget shapes that may not have been stored. */
  reload(db: Database): void {
    this.shapes.reload(db);
  }
}

export interface Skipped {
  kind: Kind;
  id: number | null;
  reason: string;
}

/** Records left out of the catalogue, at most `limit` of them, and how many there are per kind. */
export function skippedRecords(db: Database, limit = 3): { counts: Record<Kind, number>; examples: Skipped[] } {
  const counts: Record<Kind, number> = { collections: 0, images: 0 };
  // A record skipped in its page and again in its collection's own list (a continued sync) counts once.
  for (const r of db.prepare('SELECT kind, count(DISTINCT id) + sum(id IS NULL) AS n FROM skipped GROUP BY kind').all()) {
    counts[String(r.kind) as Kind] = Number(r.n);
  }
  const examples = db
    .prepare('SELECT kind, id, min(reason) AS reason FROM skipped GROUP BY kind, id ORDER BY kind, id LIMIT ?')
    .all(limit)
    .map((r) => ({ kind: String(r.kind) as Kind, id: r.id === null ? null : Number(r.id), reason: String(r.reason) }));
  return { counts, examples };
}
