import { join } from 'node:path';
import { serverKey } from '../util/server-key.js';

/** One catalogue per server, beside the DOI index in the XDG cache folder. */
export function catalogPath(cacheDir: string, baseUrl: string): string {
  return join(cacheDir, `catalog-${serverKey(baseUrl)}.sqlite`);
}

/** The catalogue being built; renamed over the real one only when complete. */
export function partialPath(path: string): string {
  return `${path}.partial`;
}

/** Older than this, reading the catalogue earns a notice. */
export const STALE_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
