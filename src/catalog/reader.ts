import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { CliError, ExitCode } from '../errors.js';
import { SCHEMA_VERSION, readMeta } from './schema.js';
import { openDatabase, type Database } from './sqlite.js';
import { STALE_AFTER_MS } from './location.js';

export interface Catalog {
  db: Database;
  meta: Map<string, string>;
  /** ms since the sync finished */
  ageMs: number;
}

/** Opens the catalogue read-only; exit 1 with a hint naming `catalog sync` when there is none. */
export async function openCatalog(path: string, baseUrl: string, now = Date.now()): Promise<Catalog> {
  const missing = () =>
    new CliError(`no catalogue for ${baseUrl}`, {
      exitCode: ExitCode.failure,
      hint: 'run `neurovault catalog sync` first (it fetches the metadata of every public collection and image)',
    });
  let st: Stats;
  try {
    st = await stat(path);
  } catch {
    throw missing();
  }
  // SQLite opens the file on the main thread: a FIFO or a device there would block it for good, deaf
  // even to Ctrl-C.
  if (!st.isFile()) {
    throw new CliError(`the catalogue ${path} is not a regular file`, {
      hint: 'remove it and run `neurovault catalog sync`',
    });
  }
  const db = await openDatabase(path, { readonly: true });
  const meta = readMeta(db);
  if (meta.get('schema') !== String(SCHEMA_VERSION) || !meta.has('synced_at')) {
    db.close();
    throw missing();
  }
  return { db, meta, ageMs: now - Number(meta.get('synced_at')) };
}

/** The one-line notice for an old catalogue, or undefined. */
export function staleNotice(ageMs: number): string | undefined {
  if (ageMs <= STALE_AFTER_MS) return undefined;
  const days = Math.floor(ageMs / 86_400_000);
  return `the catalogue is ${days} days old; \`neurovault catalog sync\` refreshes it`;
}
