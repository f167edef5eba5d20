import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A local DOI → collection index, written after a full scan so repeat lookups need no network and no
 * heavy module loads. One line per collection that has a DOI: `<normalised doi>\t<collection JSON>`,
 * found with a plain substring search, so a lookup parses only the lines it returns.
 */
export const INDEX_TTL_MS = 24 * 60 * 60 * 1000;

interface IndexHeader {
  v: 1;
  baseUrl: string;
  createdAt: number;
  collections: number;
}

export function indexPath(cacheDir: string, baseUrl: string): string {
  const key = createHash('sha256').update(baseUrl).digest('hex').slice(0, 16);
  return join(cacheDir, `doi-index-${key}.tsv`);
}

export interface CachedLookup {
  matches: Record<string, unknown>[];
  ageMs: number;
}

/** Matches from a fresh index; undefined when there is no fresh index or the DOI is not in it. */
export async function lookupDoiIndex(
  cacheDir: string,
  baseUrl: string,
  doi: string,
  now = Date.now(),
  ttlMs = INDEX_TTL_MS,
): Promise<CachedLookup | undefined> {
  let text: string;
  try {
    text = await readFile(indexPath(cacheDir, baseUrl), 'utf8');
  } catch {
    return undefined;
  }
  const headerEnd = text.indexOf('\n');
  if (headerEnd < 0) return undefined;
  let header: IndexHeader;
  try {
    header = JSON.parse(text.slice(0, headerEnd)) as IndexHeader;
  } catch {
    return undefined;
  }
  const ageMs = now - header.createdAt;
  if (header.v !== 1 || header.baseUrl !== baseUrl || ageMs < 0 || ageMs > ttlMs) return undefined;
  const needle = `\n${doi}\t`;
  const matches: Record<string, unknown>[] = [];
  for (let at = text.indexOf(needle, headerEnd); at >= 0; at = text.indexOf(needle, at + 1)) {
    const start = at + needle.length;
    const end = text.indexOf('\n', start);
    try {
      matches.push(JSON.parse(text.slice(start, end < 0 ? undefined : end)) as Record<string, unknown>);
    } catch {
      return undefined; // a damaged index is ignored, and rebuilt by the next scan
    }
  }
  return matches.length ? { matches, ageMs } : undefined;
}

export async function writeDoiIndex(
  cacheDir: string,
  baseUrl: string,
  collections: readonly { DOI?: string | null }[],
  normalize: (doi: string) => string | undefined,
  now = Date.now(),
): Promise<void> {
  const header: IndexHeader = { v: 1, baseUrl, createdAt: now, collections: collections.length };
  const lines = [JSON.stringify(header)];
  for (const c of collections) {
    const doi = typeof c.DOI === 'string' ? normalize(c.DOI) : undefined;
    // JSON.stringify never emits a raw newline, so one collection stays on one line.
    if (doi && !/[\t\n]/.test(doi)) lines.push(`${doi}\t${JSON.stringify(c)}`);
  }
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const path = indexPath(cacheDir, baseUrl);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${lines.join('\n')}\n`);
  await rename(tmp, path);
}
