import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirs } from '../util/make-dirs.js';
import { join } from 'node:path';

/**
 * A local DOI → collection index, written after a full scan so repeat lookups need no network and no
 * heavy module loads. Collections with a DOI are spread over 256 bucket files by a hash of the DOI, each
 * line `<normalised doi>\t<collection JSON>`; a lookup reads one small bucket and parses only its hits.
 */
export const INDEX_TTL_MS = 24 * 60 * 60 * 1000;

interface IndexMeta {
  v: 2;
  baseUrl: string;
  createdAt: number;
  collections: number;
}

/** Cache files are per server: a short stable key of its base URL. */
export function serverKey(baseUrl: string): string {
  return createHash('sha256').update(baseUrl).digest('hex').slice(0, 16);
}

export function indexDir(cacheDir: string, baseUrl: string): string {
  return join(cacheDir, `doi-index-${serverKey(baseUrl)}`);
}

function bucketOf(doi: string): string {
  return createHash('sha1').update(doi).digest('hex').slice(0, 2);
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
  const dir = indexDir(cacheDir, baseUrl);
  let meta: IndexMeta;
  let text: string;
  try {
    meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as IndexMeta;
    text = await readFile(join(dir, `${bucketOf(doi)}.tsv`), 'utf8');
  } catch {
    return undefined; // missing or damaged: the next scan rebuilds it
  }
  const ageMs = now - meta.createdAt;
  if (meta.v !== 2 || meta.baseUrl !== baseUrl || ageMs < 0 || ageMs > ttlMs) return undefined;
  const matches: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0 || line.slice(0, tab) !== doi) continue;
    try {
      matches.push(JSON.parse(line.slice(tab + 1)) as Record<string, unknown>);
    } catch {
      return undefined;
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
  const buckets = new Map<string, string[]>();
  for (const c of collections) {
    const doi = typeof c.DOI === 'string' ? normalize(c.DOI) : undefined;
    // JSON.stringify never emits a raw newline, so one collection stays on one line.
    if (!doi || /[\t\n]/.test(doi)) continue;
    const key = bucketOf(doi);
    const lines = buckets.get(key) ?? [];
    lines.push(`${doi}\t${JSON.stringify(c)}`);
    buckets.set(key, lines);
  }
  const dir = indexDir(cacheDir, baseUrl);
  const tmp = `${dir}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await makeDirs(tmp, 0o700);
  await Promise.all([...buckets].map(([key, lines]) => writeFile(join(tmp, `${key}.tsv`), `${lines.join('\n')}\n`)));
  const meta: IndexMeta = { v: 2, baseUrl, createdAt: now, collections: collections.length };
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta));
  // Swap the whole directory so a reader never mixes buckets of two scans.
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}
