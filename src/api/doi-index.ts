import { constants as fsConstants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { makeDirs } from '../util/make-dirs.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { join } from 'node:path';
import { normalizeDoi } from './refs.js';
import { serverKey } from '../util/server-key.js';
import { fnv1a64 } from '../util/fnv.js';

/**
 * A local DOI → collection index, written after a full scan so repeat lookups need no network and no
 * heavy module loads. One file per server: a first line of JSON (version, server, time, and where each of
 * 256 buckets starts), then the buckets, a collection per line as `<normalised doi>\t<collection JSON>`,
 * spread by a hash of the DOI. A lookup reads the first line and one bucket, and parses only its hits.
 * A collection is filed under its `DOI` and under its `preprint_DOI`. Version 4: version 3 was a folder
 * of 256 files, and creating them took longer than the scan's last page (bench/doi-lookup.sh).
 */
export const INDEX_TTL_MS = 24 * 60 * 60 * 1000;
/** An index this old may miss a collection published since: an answer from it says so. */
export const INDEX_STALE_MS = 60 * 60 * 1000;

const VERSION = 4;
const BUCKETS = 256;
/** The first line holds 257 offsets: far below this; a longer one is not ours. */
const MAX_HEADER = 64 * 1024;

interface IndexMeta {
  v: typeof VERSION;
  baseUrl: string;
  createdAt: number;
  collections: number;
  /** byte offsets of the buckets after the first line; the last one is the end of the file */
  buckets: number[];
}

export { serverKey };

/**
 * The index file of one server. Named and bucketed by FNV-1a, not a digest from node:crypto: a repeat
 * lookup then loads no crypto module (~5 ms). The file's first line names its server, checked on read.
 */
export function indexFile(cacheDir: string, baseUrl: string): string {
  return join(cacheDir, `doi-index-${fnv1a64(baseUrl)}.tsv`);
}

function bucketOf(doi: string): number {
  return Number.parseInt(fnv1a64(doi).slice(-2), 16);
}

export interface CachedLookup {
  matches: Record<string, unknown>[];
  ageMs: number;
}

/** The index could not be believed; it was removed, so the next scan writes a new one. */
export interface DamagedIndex {
  damaged: string;
}

async function readAt(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const { buffer, bytesRead } = await fh.read(Buffer.alloc(length), 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Matches from a fresh index; undefined when there is no fresh index or the DOI is not in it. The cache
 * is a file anyone with access to the cache folder could have written, so it is checked like a server
 * answer: its first line, each matching record's shape, the record's own DOI against the one asked for,
 * and ids as positive integers (an id becomes a URL path). A bad index is deleted and reported once.
 */
export async function lookupDoiIndex(
  cacheDir: string,
  baseUrl: string,
  doi: string,
  opts: {
    now?: number;
    ttlMs?: number;
    /** Report a bad index without removing it (a caller that leaves the answer to another, which reports it). */
    keepDamaged?: boolean;
  } = {},
): Promise<CachedLookup | DamagedIndex | undefined> {
  const { now = Date.now(), ttlMs = INDEX_TTL_MS } = opts;
  const file = indexFile(cacheDir, baseUrl);
  const damaged = async (why: string): Promise<DamagedIndex> => {
    if (!opts.keepDamaged) await rm(file, { force: true }).catch(() => undefined);
    return { damaged: why };
  };
  let fh: FileHandle;
  try {
    // Not through a link, and never waiting on a FIFO someone put there.
    fh = await open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // no index yet
    return damaged(`it cannot be opened (${(err as Error).message})`);
  }
  let text: string;
  let ageMs: number;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return await damaged('it is not a regular file');
    const size = st.size;
    const head = await readAt(fh, Math.min(MAX_HEADER, size), 0);
    const newline = head.indexOf(10);
    if (newline < 0) return await damaged('its first line is not an index description');
    const meta = parseMeta(head.subarray(0, newline).toString('utf8'));
    if (meta === 'other version') return undefined; // written by another version of the tool: rewritten by the next scan
    if (!meta) return await damaged('its first line is not an index description');
    ageMs = now - meta.createdAt;
    if (meta.baseUrl !== baseUrl || ageMs < 0 || ageMs > ttlMs) return undefined;
    const b = bucketOf(doi);
    const start = newline + 1 + meta.buckets[b]!;
    const length = meta.buckets[b + 1]! - meta.buckets[b]!;
    // Checked before a buffer is made for it: the first line could name any length.
    if (newline + 1 + meta.buckets[BUCKETS]! !== size) return await damaged('its length is not what its first line says');
    if (length === 0) return undefined;
    const bucket = await readAt(fh, length, start);
    if (bucket.length !== length) return await damaged('it is shorter than its first line says');
    text = bucket.toString('utf8');
  } catch (err) {
    return damaged(`it cannot be read (${(err as Error).message})`);
  } finally {
    await fh.close().catch(() => undefined);
  }
  const matches: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0 || line.slice(0, tab) !== doi) continue;
    let record: unknown;
    try {
      record = JSON.parse(line.slice(tab + 1));
    } catch {
      return damaged('a record is not JSON');
    }
    const problem = recordProblem(record, doi);
    if (problem) return damaged(problem);
    matches.push(record as Record<string, unknown>);
  }
  return matches.length ? { matches, ageMs } : undefined;
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
  if (Number.isSafeInteger(m.v) && m.v !== VERSION) return 'other version';
  if (m.v !== VERSION || typeof m.baseUrl !== 'string') return undefined;
  if (!Number.isFinite(m.createdAt) || !Number.isSafeInteger(m.collections) || (m.collections as number) < 0) return undefined;
  const b = m.buckets;
  if (!Array.isArray(b) || b.length !== BUCKETS + 1 || b[0] !== 0) return undefined;
  for (let i = 1; i < b.length; i++) if (!Number.isSafeInteger(b[i]) || b[i]! < b[i - 1]!) return undefined;
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

/**
 * The index being built, a page of collections at a time, so that encoding the pages already received
 * overlaps the wait for the rest (a scan's pages arrive over a few hundred milliseconds). Each collection
 * is filed under every DOI `dois` gives it, once even when pages overlap (a line never holds a raw
 * newline: JSON.stringify escapes them, and a DOI with a tab or newline is not filed). Kept as strings
 * per bucket and encoded once: the index of NeuroVault's collections is megabytes, and building it as
 * one string cost more than the scan's last page.
 */
export class DoiIndexBuilder<C extends { id?: unknown }> {
  private readonly buckets: string[][] = Array.from({ length: BUCKETS }, () => []);
  private readonly seen = new Set<unknown>();

  constructor(private readonly dois: (c: C) => string[]) {}

  get collections(): number {
    return this.seen.size;
  }

  add(collections: readonly C[]): void {
    for (const c of collections) {
      if (this.seen.has(c.id)) continue;
      this.seen.add(c.id);
      const filed = this.dois(c).filter((doi) => !/[\t\n]/.test(doi));
      if (filed.length === 0) continue;
      const json = JSON.stringify(c);
      for (const doi of filed) this.buckets[bucketOf(doi)]!.push(doi, '\t', json, '\n');
    }
  }

  /** The file's bytes, in pieces: the first line, then the buckets. */
  encode(baseUrl: string, now = Date.now()): Buffer[] {
    const bytes = this.buckets.map((parts) => Buffer.from(parts.join('')));
    const offsets = [0];
    for (const b of bytes) offsets.push(offsets[offsets.length - 1]! + b.length);
    const meta: IndexMeta = { v: VERSION, baseUrl, createdAt: now, collections: this.collections, buckets: offsets };
    return [Buffer.from(`${JSON.stringify(meta)}\n`), ...bytes];
  }
}

/** Writes the index in one file, under a temporary name of its own, then renamed over the old one. */
export async function writeDoiIndex<C extends { id?: unknown }>(
  cacheDir: string,
  baseUrl: string,
  index: DoiIndexBuilder<C>,
  now = Date.now(),
): Promise<void> {
  await makeDirs(cacheDir, 0o700);
  await writeFileAtomic(indexFile(cacheDir, baseUrl), index.encode(baseUrl, now));
  // Version 3's folder, left by an earlier version of the tool.
  await rm(join(cacheDir, `doi-index-${serverKey(baseUrl)}`), { recursive: true, force: true }).catch(() => undefined);
}
