// better-sqlite3 ships no types and @types/better-sqlite3 is not worth a dependency: sqlite.ts types
// the few calls it makes.
declare module 'better-sqlite3';
