import type { Database } from './sqlite.js';

/** Every field name any stored object has (user-defined keys included): what `--where` and `--columns` may name. */
export function catalogKeys(db: Database): string[] {
  const keys = new Set<string>();
  for (const row of db.prepare('SELECT keys FROM shapes').all()) for (const k of JSON.parse(String(row.keys)) as string[]) keys.add(k);
  return [...keys];
}
