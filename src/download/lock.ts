import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { UsageError } from '../errors.js';
import type { DownloadItem } from './engine.js';
import type { ManifestEntry } from './manifest.js';

/**
 * `--lock <file>`: what a download resolved to (ids, modify_date, bytes, sha256), so a later run with
 * `--frozen` can prove it fetched exactly the same data. One image per line keeps diffs reviewable.
 */
export interface LockEntry {
  id: number;
  collection_id: number;
  modify_date: string | null;
  bytes: number;
  sha256: string;
}

const LOCK_VERSION = 1;

export async function readLock(file: string): Promise<Map<number, LockEntry>> {
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
  const images = (doc as { images?: unknown })?.images;
  if ((doc as { lockfileVersion?: unknown })?.lockfileVersion !== LOCK_VERSION || !Array.isArray(images)) {
    throw new UsageError(`lock file ${file} is not a neurovault lock (lockfileVersion ${LOCK_VERSION} with "images")`);
  }
  const entries = new Map<number, LockEntry>();
  for (const raw of images as unknown[]) {
    const e = raw as Record<string, unknown>;
    if (!Number.isSafeInteger(e?.id) || !Number.isSafeInteger(e.bytes) || typeof e.sha256 !== 'string') {
      throw new UsageError(`lock file ${file} has a malformed entry: ${JSON.stringify(raw).slice(0, 120)}`);
    }
    entries.set(e.id as number, {
      id: e.id as number,
      collection_id: Number(e.collection_id),
      modify_date: typeof e.modify_date === 'string' ? e.modify_date : null,
      bytes: e.bytes as number,
      sha256: e.sha256,
    });
  }
  return entries;
}

export async function writeLock(file: string, entries: Iterable<ManifestEntry>): Promise<void> {
  const lines = [...entries]
    .sort((a, b) => a.id - b.id)
    .map((e) =>
      JSON.stringify({ id: e.id, collection_id: e.collection_id, modify_date: e.modify_date, bytes: e.bytes, sha256: e.sha256 }),
    );
  const text = `{"lockfileVersion": ${LOCK_VERSION}, "images": [\n${lines.map((l) => `  ${l}`).join(',\n')}\n]}\n`;
  await writeFileAtomic(file, text);
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
