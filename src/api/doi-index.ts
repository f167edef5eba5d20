import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirs } from '../util/make-dirs.js';
import { join } from 'node:path';
import { normalizeDoi } from './refs.js';
import { serverKey } from '../util/server-key.js';

/**
 * A local DOI → collection index, written after a full scan so repeat lookups need no network and no
 * heavy module loads. Collections with a DOI are spread over 256 bucket files by a hash of the DOI, each
 * line `<normalised doi>\t<collection JSON>`; a lookup reads one small bucket and parses only its hits.
 * A collection is filed under its `DOI` and under its `preprint_DOI` (v3; a v2 index knew only `DOI`).
 */
export const INDEX_TTL_MS = 24 * 60 * 60 * 1000;

interface IndexMeta {
  v: 3;
  baseUrl: string;
  createdAt: number;
  collections: number;
}

export { serverKey };

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

/** The index could not be believed; it was removed, so the next scan writes a new one. */
export interface DamagedIndex {
  damaged: string;
}

/**
 * Matches from a fresh index; undefined when there is no fresh index or the DOI is not in it. The cache
 * is a file anyone with access to the cache folder could have written, so it is checked like a server
 * answer: its meta, each matching record's shape, the record's own DOI against the one asked for, and
 * ids as positive integers (an id becomes a URL path). A bad index is deleted and reported once.
 */
export async function lookupDoiIndex(
  cacheDir: string,
  baseUrl: string,
  doi: string,
  now = Date.now(),
  ttlMs = INDEX_TTL_MS,
): Promise<CachedLookup | DamagedIndex | undefined> {
  const dir = indexDir(cacheDir, baseUrl);
  let metaText: string;
  let text: string;
  try {
    metaText = await readFile(join(dir, 'meta.json'), 'utf8');
  } catch {
    return undefined; // no index yet
  }
  const meta = parseMeta(metaText);
  if (meta === 'other version') return undefined; // written by another version of the tool: rewritten by the next scan
  if (!meta) return damaged(dir, 'its meta.json is not an index description');
  const ageMs = now - meta.createdAt;
  if (meta.baseUrl !== baseUrl || ageMs < 0 || ageMs > ttlMs) return undefined;
  try {
    text = await readFile(join(dir, `${bucketOf(doi)}.tsv`), 'utf8');
  } catch (err) {
    // A bucket without any DOI is never written.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return damaged(dir, `a bucket file cannot be read (${(err as Error).message})`);
  }
  const matches: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0 || line.slice(0, tab) !== doi) continue;
    let record: unknown;
    try {
      record = JSON.parse(line.slice(tab + 1));
    } catch {
      return damaged(dir, 'a record is not JSON');
    }
    const problem = recordProblem(record, doi);
    if (problem) return damaged(dir, problem);
    matches.push(record as Record<string, unknown>);
  }
  return matches.length ? { matches, ageMs } : undefined;
}

async function damaged(dir: string, why: string): Promise<DamagedIndex> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  return { damaged: why };
}

function parseMeta(text: string): IndexMeta | 'other version' | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = v as Partial<IndexMeta> | null;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  if (Number.isSafeInteger(m.v) && m.v !== 3) return 'other version';
  if (m.v !== 3 || typeof m.baseUrl !== 'string') return undefined;
  if (!Number.isFinite(m.createdAt) || !Number.isSafeInteger(m.collections) || (m.collections as number) < 0) return undefined;
  return m as IndexMeta;
}

/** What a cached collection needs to stand for a server answer (the fields `Collection` requires). */
function recordProblem(record: unknown, doi: string): string | undefined {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return 'a record is not an object';
  const r = record as Record<string, unknown>;
  if (!Number.isSafeInteger(r.id) || (r.id as number) <= 0) return 'a record has an id that is not a positive integer';
  for (const field of ['url', 'name', 'add_date', 'modify_date']) {
    if (typeof r[field] !== 'string') return `a record has no ${field} string`;
  }
  const filedUnder = (v: unknown) => typeof v === 'string' && v !== '' && normalizeDoi(v) === doi;
  if (!filedUnder(r.DOI) && !filedUnder(r.preprint_DOI)) return 'a record filed under the DOI carries another DOI';
  return undefined;
}

export async function writeDoiIndex(
  cacheDir: string,
  baseUrl: string,
  collections: readonly { DOI?: string | null; preprint_DOI?: string | null }[],
  dois: (c: { DOI?: string | null; preprint_DOI?: string | null }) => string[],
  now = Date.now(),
): Promise<void> {
  const buckets = new Map<string, string[]>();
  for (const c of collections) {
    for (const doi of dois(c)) {
      // JSON.stringify never emits a raw newline, so one collection stays on one line.
      if (/[\t\n]/.test(doi)) continue;
      const key = bucketOf(doi);
      const lines = buckets.get(key) ?? [];
      lines.push(`${doi}\t${JSON.stringify(c)}`);
      buckets.set(key, lines);
    }
  }
  const dir = indexDir(cacheDir, baseUrl);
  const tmp = `${dir}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await makeDirs(tmp, 0o700);
  await Promise.all([...buckets].map(([key, lines]) => writeFile(join(tmp, `${key}.tsv`), `${lines.join('\n')}\n`)));
  const meta: IndexMeta = { v: 3, baseUrl, createdAt: now, collections: collections.length };
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta));
  // Swap the whole directory so a reader never mixes buckets of two scans.
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}
