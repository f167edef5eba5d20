import type { NeuroVaultClient } from '../api/client.js';
import { OfflineError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import { mapLimit } from '../util/map-limit.js';
import type { DownloadItem } from './engine.js';
import { MANIFEST_FILE, collectionMetadataPath, fileExtension, imageMetadataPath, imagePath } from './layout.js';
import { sha256Text, type Lock, type LockEntry } from './lock.js';
import { parseManifest, sidecarText, type ManifestEntry } from './manifest.js';
import { inShard, type Plan, type Shard } from './plan.js';
import { RefusedPath, type Sink } from './sink.js';
import { counted } from '../util/counts.js';

/**
 * `download --lock nv.lock --frozen` with a version-2 lock: the folder is rebuilt from the lock alone,
 * like `npm ci`. Every file is hashed once against the lock and every metadata file compared with the
 * sha256 the lock keeps; only what is missing or damaged is asked for (its file from the lock's URL, its
 * record from the API only when no local copy of the record matches). A complete folder costs no request
 * and no client at all, so a CI step works while the API is down, and offline.
 */

export interface LockInstallOptions {
  sink: Sink;
  shard?: Shard;
  signal: AbortSignal;
  /** Fetch every file again (`--force`); records still come from local copies when they match. */
  force: boolean;
  /** Offline mode: anything that would need a request is an OfflineError before the first one. */
  offline: boolean;
  /** The API, asked for only when a record or a collection must be fetched. */
  connect: () => Promise<Pick<NeuroVaultClient, 'getImage' | 'getCollection' | 'collectionImages'>>;
  /** Files hashed (or records fetched) at once. */
  concurrency: number;
  /** A notice (a damaged file that will be fetched again). */
  warn: (message: string) => void;
}

export interface LockPlan extends Plan {
  /** The manifest as found, for the engine's `previous`. */
  previous: Map<number, ManifestEntry>;
  /** Manifest lines that were not entries. */
  badManifestLines: number;
  /** Files already in place and matching the lock: the engine skips them without hashing them again. */
  proven: Map<number, { bytes: number; sha256: string }>;
  /** What differs from the lock (a fetched record or collection): the run must stop before any file request. */
  differences: string[];
  /** Requests this plan made or will make: records and collections fetched, files to fetch. */
  requests: { records: number; collections: number; files: number };
}

/** Above this many records missing in one collection, its image list (pages of 1000) is cheaper than one GET each. */
const LIST_ABOVE = 10;

/** The lock's images in this shard, in id order, with the layout paths their ids and file URLs give. */
export function lockedItems(lock: Lock, shard: Shard | undefined): DownloadItem[] {
  return [...lock.images.values()]
    .filter((e) => inShard(e.id, shard))
    .sort((a, b) => a.id - b.id)
    .map((e) => itemFor(e, {}));
}

function itemFor(e: LockEntry, metadata: Record<string, unknown>): DownloadItem {
  const ext = fileExtension(e.file_url!);
  return {
    id: e.id,
    collectionId: e.collection_id,
    fileUrl: e.file_url!,
    path: imagePath(e.collection_id, e.id, ext),
    metadataPath: imageMetadataPath(e.collection_id, e.id),
    expect: { ext, bytes: e.bytes > 0 ? e.bytes : undefined, sha256: e.sha256 },
    modifyDate: e.modify_date,
    metadata,
  };
}

export async function planFromLock(lock: Lock, opts: LockInstallOptions): Promise<LockPlan> {
  if (lock.version !== 2) throw new Error('planFromLock needs a version-2 lock');
  const { sink, signal } = opts;
  const manifest = parseManifest(await sink.readText(MANIFEST_FILE));
  const entries = lockedItems(lock, opts.shard).map((item) => ({ item, locked: lock.images.get(item.id)! }));

  // One pass over the folder: each file hashed once, each sidecar read once.
  const proven = new Map<number, { bytes: number; sha256: string }>();
  const records = new Map<number, Record<string, unknown>>();
  await mapLimit(entries, opts.concurrency, async ({ item, locked }) => {
    const fromDisk = parseIfMatches(await readQuietly(sink, item.metadataPath), locked.metadata_sha256!);
    const prev = manifest.entries.get(item.id);
    const record = fromDisk ?? (prev && sha256Text(sidecarText(prev.metadata)) === locked.metadata_sha256 ? prev.metadata : undefined);
    if (record) records.set(item.id, record);
    if (opts.force) return;
    const onDisk = await sink.digest(item.path, signal).catch((err: unknown) => {
      if (err instanceof RefusedPath) return undefined;
      throw err;
    });
    if (onDisk && onDisk.bytes === locked.bytes && onDisk.sha256 === locked.sha256) proven.set(item.id, onDisk);
    else if (onDisk) opts.warn(`image ${item.id}: ${item.path} differs from the lock (${onDisk.bytes} bytes); fetching it again`);
  });
  const cids = [...new Set(entries.map((e) => e.item.collectionId))];
  const staleCollections: number[] = [];
  for (const cid of cids) {
    const text = await readQuietly(sink, collectionMetadataPath(cid));
    if (text === undefined || sha256Text(text) !== lock.collections.get(cid)!.metadata_sha256) staleCollections.push(cid);
  }

  const missingRecords = entries.filter((e) => !records.has(e.item.id)).map((e) => e.locked);
  const files = entries.length - proven.size;
  if (opts.offline && (files > 0 || missingRecords.length > 0 || staleCollections.length > 0)) {
    throw new OfflineError(
      `${counted(files, 'file')}, ${counted(missingRecords.length, 'image record')} and ${counted(staleCollections.length, 'collection record')} ` +
        `of the lock are missing or damaged in ${sink.location}; fetching them needs the network`,
      { hint: 'run once without --offline to complete the folder (or restore a complete cache)' },
    );
  }

  const plan: LockPlan = {
    items: [],
    collections: new Map(),
    unavailable: [],
    previous: manifest.entries,
    badManifestLines: manifest.badLines,
    proven,
    differences: [],
    requests: { records: 0, collections: 0, files },
  };
  if (missingRecords.length > 0 || staleCollections.length > 0) {
    const api = await opts.connect();
    await fetchRecords(api, missingRecords, records, plan, opts);
    for (const cid of staleCollections) {
      plan.requests.collections++;
      const collection = await api.getCollection({ kind: 'id', id: cid }, signal).catch((err: unknown) => {
        if (err instanceof HttpError && err.status === 404) return undefined;
        throw err;
      });
      const text = collection && sidecarText(collection);
      if (!collection || !text) {
        plan.differences.push(`collection ${cid}: no longer on the server (404), and its collection_metadata.json is missing or damaged`);
      } else if (sha256Text(text) !== lock.collections.get(cid)!.metadata_sha256) {
        plan.differences.push(`collection ${cid}: its metadata on the server differs from the lock`);
      } else {
        plan.collections.set(cid, { path: collectionMetadataPath(cid), metadata: collection as Record<string, unknown>, text });
      }
    }
  }
  plan.items = entries.map(({ item, locked }) => itemFor(locked, records.get(item.id) ?? {}));
  return plan;
}

/** Records no local copy matched: from the collection's list when many are missing there, else one GET each. */
async function fetchRecords(
  api: Pick<NeuroVaultClient, 'getImage' | 'collectionImages'>,
  missing: LockEntry[],
  records: Map<number, Record<string, unknown>>,
  plan: LockPlan,
  opts: LockInstallOptions,
): Promise<void> {
  const accept = (locked: LockEntry, record: Record<string, unknown>) => {
    if (sha256Text(sidecarText(record)) === locked.metadata_sha256) {
      records.set(locked.id, record);
      return;
    }
    const modified = typeof record.modify_date === 'string' ? record.modify_date : null;
    plan.differences.push(
      modified !== locked.modify_date
        ? `image ${locked.id}: modify_date is ${modified ?? 'null'}, the lock has ${locked.modify_date ?? 'null'}`
        : `image ${locked.id}: its record on the server differs from the lock (same modify_date, other metadata)`,
    );
  };
  const byCollection = new Map<number, LockEntry[]>();
  for (const e of missing) byCollection.set(e.collection_id, [...(byCollection.get(e.collection_id) ?? []), e]);
  const single: LockEntry[] = [];
  for (const [cid, group] of byCollection) {
    if (group.length <= LIST_ABOVE) {
      single.push(...group);
      continue;
    }
    const wanted = new Map(group.map((e) => [e.id, e]));
    for await (const image of api.collectionImages({ kind: 'id', id: cid }, { all: true, signal: opts.signal })) {
      const locked = wanted.get(image.id);
      if (!locked) continue;
      wanted.delete(image.id);
      accept(locked, image as Record<string, unknown>);
    }
    plan.requests.records++;
    // Not listed (moved, or a list that leaves some out): asked for one by one, like a few missing ones.
    single.push(...wanted.values());
  }
  await mapLimit(single, opts.concurrency, async (locked) => {
    plan.requests.records++;
    try {
      accept(locked, (await api.getImage({ kind: 'id', id: locked.id }, opts.signal)) as Record<string, unknown>);
    } catch (err) {
      if (!(err instanceof HttpError && err.status === 404)) throw err;
      plan.differences.push(`image ${locked.id}: no longer on the server (404), and no local copy of its record matches the lock`);
    }
  });
}

async function readQuietly(sink: Sink, path: string): Promise<string | undefined> {
  try {
    return await sink.readText(path);
  } catch (err) {
    if (err instanceof RefusedPath) return undefined;
    throw err;
  }
}

function parseIfMatches(text: string | undefined, sha256: string): Record<string, unknown> | undefined {
  if (text === undefined || sha256Text(text) !== sha256) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
