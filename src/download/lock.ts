import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { UsageError } from '../errors.js';
import type { DownloadItem } from './engine.js';
import { allowedExtension, fileExtension, validId } from './layout.js';
import { sidecarText, type ManifestEntry } from './manifest.js';

/**
 * `--lock <file>`: what a download resolved to, so a later run with `--frozen` can prove it has exactly the
 * same data. Version 2 also keeps where each file comes from and the sha256 of every metadata file written,
 * so a frozen run can rebuild the folder from the lock alone (install-from-lock.ts); version 1 (ids,
 * modify_date, bytes, sha256) is still read, and still needs the refs and the API to plan.
 * One image per line keeps diffs reviewable.
 */
export interface LockEntry {
  id: number;
  collection_id: number;
  modify_date: string | null;
  bytes: number;
  sha256: string;
  /** Version 2: the file's URL as the server gave it (after plan.ts moved an http:// twin to the base origin). */
  file_url?: string;
  /** Version 2: sha256 of `image_<id>_metadata.json`. */
  metadata_sha256?: string;
}

/** Version 2: one collection with images in the lock. */
export interface LockCollection {
  id: number;
  /** sha256 of `collection_metadata.json`. */
  metadata_sha256: string;
}

/** Version 2: what the lock was made from, so a frozen run given other refs or filters is told, not ignored. */
export interface LockSelection {
  refs: string[];
  where: string[];
  search: string | null;
  basic: boolean;
  max_images: number | null;
}

export interface Lock {
  version: 1 | 2;
  images: Map<number, LockEntry>;
  /** Empty for version 1. */
  collections: Map<number, LockCollection>;
  selection?: LockSelection;
}

export const LOCK_VERSION = 2;
const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function readLock(file: string): Promise<Lock> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read lock file ${file}: ${(err as Error).message}`, {
      hint: 'run once with --lock and without --frozen to write it',
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`lock file ${file} is not JSON: ${(err as Error).message}`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  const version = d.lockfileVersion;
  if ((version !== 1 && version !== 2) || !Array.isArray(d.images)) {
    throw new UsageError(`lock file ${file} is not a neurovault lock (lockfileVersion 1 or 2 with "images")`);
  }
  const malformed = (raw: unknown) =>
    new UsageError(`lock file ${file} has a malformed entry: ${JSON.stringify(raw).slice(0, 120)}`);
  const lock: Lock = { version, images: new Map(), collections: new Map() };
  for (const raw of d.images as unknown[]) {
    const e = (raw ?? {}) as Record<string, unknown>;
    if (!validId(e.id) || !Number.isSafeInteger(e.bytes) || typeof e.sha256 !== 'string') throw malformed(raw);
    const entry: LockEntry = {
      id: e.id,
      collection_id: Number(e.collection_id),
      modify_date: typeof e.modify_date === 'string' ? e.modify_date : null,
      bytes: e.bytes as number,
      sha256: e.sha256,
    };
    if (version === 2) {
      // Everything a frozen run builds a path or a request from is checked here, as the server's records are.
      if (!validId(e.collection_id) || !SHA256.test(e.sha256) || !isSha(e.metadata_sha256) || !fileUrlOk(e.file_url)) {
        throw malformed(raw);
      }
      entry.file_url = e.file_url;
      entry.metadata_sha256 = e.metadata_sha256;
    }
    lock.images.set(entry.id, entry);
  }
  if (version === 2) {
    for (const raw of Array.isArray(d.collections) ? (d.collections as unknown[]) : []) {
      const c = (raw ?? {}) as Record<string, unknown>;
      if (!validId(c.id) || !isSha(c.metadata_sha256)) throw malformed(raw);
      lock.collections.set(c.id, { id: c.id, metadata_sha256: c.metadata_sha256 });
    }
    for (const e of lock.images.values()) {
      if (!lock.collections.has(e.collection_id)) throw malformed({ id: e.id, collection_id: e.collection_id, collections: 'missing' });
    }
    lock.selection = readSelection(d.selection);
  }
  return lock;
}

function isSha(v: unknown): v is string {
  return typeof v === 'string' && SHA256.test(v);
}

function fileUrlOk(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const url = new URL(v);
    return (url.protocol === 'http:' || url.protocol === 'https:') && allowedExtension(fileExtension(v));
  } catch {
    return false;
  }
}

function readSelection(raw: unknown): LockSelection | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const s = raw as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    refs: strings(s.refs),
    where: strings(s.where),
    search: typeof s.search === 'string' ? s.search : null,
    basic: s.basic === true,
    max_images: Number.isSafeInteger(s.max_images) ? (s.max_images as number) : null,
  };
}

export interface LockContents {
  /** Every image now in place (the engine's `done`). */
  entries: Iterable<ManifestEntry>;
  /** The plan's items, for the file URLs. */
  items: readonly DownloadItem[];
  /** The plan's collections, with the text written as `collection_metadata.json`. */
  collections: ReadonlyMap<number, { text: string }>;
  selection: LockSelection;
}

export async function writeLock(file: string, contents: LockContents): Promise<void> {
  const urls = new Map(contents.items.map((i) => [i.id, i.fileUrl]));
  const entries = [...contents.entries].sort((a, b) => a.id - b.id);
  const images = entries.map((e) =>
    JSON.stringify({
      id: e.id,
      collection_id: e.collection_id,
      modify_date: e.modify_date,
      bytes: e.bytes,
      sha256: e.sha256,
      file_url: urls.get(e.id) ?? null,
      metadata_sha256: sha256Text(sidecarText(e.metadata)),
    }),
  );
  const used = new Set(entries.map((e) => e.collection_id));
  const collections = [...contents.collections]
    .filter(([id]) => used.has(id))
    .sort(([a], [b]) => a - b)
    .map(([id, c]) => JSON.stringify({ id, metadata_sha256: sha256Text(c.text) }));
  const list = (lines: string[]) => (lines.length ? `[\n${lines.map((l) => `  ${l}`).join(',\n')}\n]` : '[]');
  const text =
    `{"lockfileVersion": ${LOCK_VERSION},\n"selection": ${JSON.stringify(contents.selection)},\n` +
    `"collections": ${list(collections)},\n"images": ${list(images)}}\n`;
  await writeFileAtomic(file, text);
}

/**
 * A frozen run given refs or filters with a version-2 lock: they must be those the lock was made from,
 * else the user meant another selection than the lock holds. Undefined when they agree.
 */
export function selectionDifference(lock: Lock, asked: LockSelection): string | undefined {
  if (!lock.selection) return undefined;
  const show = (s: LockSelection) => {
    const words = [...s.refs, ...s.where.map((w) => `--where ${w}`)];
    if (s.search !== null) words.push(`--search ${s.search}`);
    if (s.basic) words.push('--basic');
    if (s.max_images !== null) words.push(`--max-images ${s.max_images}`);
    return words.join(' ') || '(nothing)';
  };
  const a = show(asked);
  const b = show(lock.selection);
  return a === b ? undefined : `this run selects ${a}, the lock was made from ${b}`;
}

/**
 * Differences between the plan and the lock that are visible before any file is fetched. `inScope`
 * restricts the lock to the images this run could plan (its shard), so one lock serves every shard.
 */
export function lockDifferences(
  plan: readonly DownloadItem[],
  lock: ReadonlyMap<number, LockEntry>,
  inScope: (id: number) => boolean,
): string[] {
  const diffs: string[] = [];
  const planned = new Set<number>();
  for (const item of plan) {
    planned.add(item.id);
    const locked = lock.get(item.id);
    if (!locked) {
      diffs.push(`image ${item.id}: not in the lock`);
      continue;
    }
    if (locked.modify_date !== item.modifyDate) {
      diffs.push(`image ${item.id}: modify_date is ${item.modifyDate ?? 'null'}, the lock has ${locked.modify_date ?? 'null'}`);
    } else if (item.expect.bytes !== undefined && item.expect.bytes !== locked.bytes) {
      diffs.push(`image ${item.id}: file_size is ${item.expect.bytes}, the lock has ${locked.bytes}`);
    }
  }
  for (const id of lock.keys()) {
    if (inScope(id) && !planned.has(id)) diffs.push(`image ${id}: in the lock but not selected (removed from the server or filtered out)`);
  }
  return diffs;
}
