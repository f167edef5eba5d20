import { createRequire } from 'node:module';
import { CliError, ExitCode } from '../errors.js';
import { withoutWarnings } from '../runtime/quiet-warning.js';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface Statement {
  run(...params: SqlValue[]): unknown;
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
  iterate(...params: SqlValue[]): IterableIterator<Row>;
}

/** The part of SQLite the catalogue uses, the same over better-sqlite3 and node:sqlite. */
export interface Database {
  readonly engine: 'better-sqlite3' | 'node:sqlite';
  exec(sql: string): void;
  prepare(sql: string): Statement;
  close(): void;
}

interface BetterSqlite3Ctor {
  new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean }): Database & { open: boolean };
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => Omit<Database, 'engine'>;
}

let engine: Promise<(path: string, readonly: boolean) => Database> | undefined;

/**
 * Opens a SQLite file. better-sqlite3 (an optional native dependency) is used when it loads; when it
 * is missing or was built for another Node ABI, Node's own `node:sqlite` (Node ≥ 22.13) takes its
 * place. Both have FTS5. Loaded only by the commands that use the catalogue.
 */
export async function openDatabase(path: string, opts: { readonly?: boolean } = {}): Promise<Database> {
  engine ??= loadEngine();
  return (await engine)(path, opts.readonly ?? false);
}

async function loadEngine(): Promise<(path: string, readonly: boolean) => Database> {
  let why: string;
  try {
    // require(), not import(): an ES import of a CommonJS package runs cjs-module-lexer over its files to
    // find named exports, up to ~10 ms of every catalogue command's start for a default export we already know.
    const Ctor = createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3Ctor;
    // The addon is loaded by the first open, so a wrong-ABI build fails here, not at import.
    new Ctor(':memory:').close();
    return (path, readonly) => {
      const db = new Ctor(path, readonly ? { readonly: true, fileMustExist: true } : {});
      return Object.assign(db, { engine: 'better-sqlite3' as const });
    };
  } catch (err) {
    why = (err as Error).message.split('\n')[0] ?? String(err);
  }
  const builtin = withoutWarnings(() => process.getBuiltinModule?.('node:sqlite') as NodeSqliteModule | undefined);
  if (builtin?.DatabaseSync) {
    return (path, readonly) => {
      const db = new builtin.DatabaseSync(path, readonly ? { readOnly: true } : {});
      return {
        engine: 'node:sqlite',
        exec: (sql) => db.exec(sql),
        prepare: (sql) => db.prepare(sql),
        close: () => db.close(),
      };
    };
  }
  throw new CliError(`the catalogue needs SQLite: better-sqlite3 did not load (${why})`, {
    exitCode: ExitCode.failure,
    hint: 'run `npm rebuild better-sqlite3` (needs python3, make and a C++ compiler), or use Node >= 22.13, which has node:sqlite built in',
  });
}
