import type { Database, Statement } from './sqlite.js';

export type StoredObject = Record<string, unknown>;

/**
 * Objects are stored as `[shape, ...values]`: the key list of an object (its "shape", in the server's key
 * order) is kept once in `shapes`, since the ~270,000 images share a handful of them and key names are
 * about half of each object's JSON. Every key and value is kept, user-defined ones included.
 */
export class ShapeWriter {
  private readonly ids = new Map<string, number>();
  private readonly insert: Statement;

  constructor(db: Database) {
    this.load(db);
    this.insert = db.prepare('INSERT INTO shapes (id, keys) VALUES (?, ?)');
  }

  /** Call inside the transaction that stores the row, so a shape never outlives a rolled-back page. */
  pack(obj: StoredObject): string {
    const keys = Object.keys(obj);
    const signature = signatureOf(keys);
    let id = this.ids.get(signature);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.insert.run(id, JSON.stringify(keys));
      this.ids.set(signature, id);
    }
    return JSON.stringify([id, ...keys.map((k) => obj[k])]);
  }

  /** After a rollback: forget shapes that may not have been stored. */
  reload(db: Database): void {
    this.ids.clear();
    this.load(db);
  }

  private load(db: Database): void {
    for (const r of db.prepare('SELECT id, keys FROM shapes').all()) {
      this.ids.set(signatureOf(JSON.parse(String(r.keys)) as string[]), Number(r.id));
    }
  }
}

/** Length-prefixed, so no two key lists share one (any character may be in a key); cheaper than JSON. */
function signatureOf(keys: readonly string[]): string {
  let s = '';
  for (const k of keys) s += `${k.length}:${k}`;
  return s;
}

export class ShapeReader {
  private readonly keys = new Map<number, string[]>();
  private readonly get: Statement;

  constructor(db: Database) {
    this.get = db.prepare('SELECT keys FROM shapes WHERE id = ?');
  }

  unpack(text: unknown): StoredObject {
    const [id, ...values] = JSON.parse(String(text)) as [number, ...unknown[]];
    let keys = this.keys.get(id);
    if (!keys) {
      keys = JSON.parse(String(this.get.get(id)?.keys ?? '[]')) as string[];
      this.keys.set(id, keys);
    }
    const obj: StoredObject = {};
    keys.forEach((k, i) => {
      // A key named __proto__ (user-defined keys are free text) must stay a key, not set a prototype.
      if (k === '__proto__') Object.defineProperty(obj, k, { value: values[i], enumerable: true, writable: true, configurable: true });
      else obj[k] = values[i];
    });
    return obj;
  }
}
