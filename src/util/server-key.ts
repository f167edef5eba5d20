import type * as Crypto from 'node:crypto';

/**
 * Cache files are per server: a short stable key of its base URL. node:crypto is fetched on first use,
 * not imported: the quick entry (src/quick-answers.ts) links this for `catalog path`, and `--version`
 * must not pay for loading it.
 */
export function serverKey(baseUrl: string): string {
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof Crypto;
  return createHash('sha256').update(baseUrl).digest('hex').slice(0, 16);
}
