import type { NeuroVaultClient } from '../api/client.js';
import type { CollectionRef } from '../api/refs.js';
import type { Collection, Image } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { matchesWhere, type WhereClause } from '../filter/where.js';
import type { DownloadItem } from './engine.js';
import { collectionMetadataPath, fileExtension, imageMetadataPath, imagePath } from './layout.js';
import type { DownloadRef } from './refs.js';

export interface Shard {
  index: number;
  count: number;
}

export interface PlanOptions {
  where: WhereClause[];
  maxImages?: number;
  shard?: Shard;
  signal: AbortSignal;
  /** DOI → collections; the action supplies one that uses the cached DOI index. */
  findByDoi: (doi: string) => Promise<Record<string, unknown>[]>;
}

export interface Plan {
  items: DownloadItem[];
  /** Collections with at least one planned image: their `collection_metadata.json` is written. */
  collections: Map<number, { path: string; metadata: Record<string, unknown> }>;
  /** Selected images that cannot be downloaded at all (no file URL). */
  unavailable: { id: number; collectionId: number; reason: string }[];
}

export function inShard(id: number, shard: Shard | undefined): boolean {
  return shard === undefined || id % shard.count === shard.index;
}

/**
 * Resolves refs into the list of images to bring in, in ref order then id order: every ref's images,
 * deduplicated (an image reached twice is fetched once), then `--where`, then `--max-images`, then
 * `--shard`. The shard is taken last so that n shards together fetch exactly what one unsharded run would.
 */
export async function buildPlan(api: NeuroVaultClient, refs: readonly DownloadRef[], opts: PlanOptions): Promise<Plan> {
  const collections = new Map<number, Promise<Collection>>();
  const collectionById = (id: number, ref: CollectionRef = { kind: 'id', id }): Promise<Collection> => {
    let c = collections.get(id);
    if (!c) {
      c = api.getCollection(ref, opts.signal);
      collections.set(id, c);
    }
    return c;
  };

  const seen = new Set<number>();
  const selected: { image: Image; collection: Collection }[] = [];
  const limit = opts.maxImages ?? Infinity;
  const consider = (image: Image, collection: Collection): boolean => {
    if (seen.has(image.id)) return true;
    seen.add(image.id);
    if (opts.where.length && !matchesWhere(image, opts.where, collection)) return true;
    selected.push({ image, collection });
    return selected.length < limit;
  };

  const fromCollection = async (ref: CollectionRef): Promise<boolean> => {
    // The collection and its first page are independent requests: ask for both at once.
    const images = api.collectionImages(ref, { all: true, signal: opts.signal });
    const first = images.next();
    // Handled below; this only keeps a failed collection request from leaving it unobserved.
    first.catch(() => undefined);
    const collection = await api.getCollection(ref, opts.signal);
    collections.set(collection.id, Promise.resolve(collection));
    let step = await first;
    while (!step.done) {
      if (!consider(step.value, collection)) {
        await images.return(undefined);
        return false;
      }
      step = await images.next();
    }
    return true;
  };

  for (const ref of refs) {
    if (selected.length >= limit) break;
    if (ref.kind === 'collection') {
      if (!(await fromCollection(ref.ref))) break;
    } else if (ref.kind === 'image') {
      const image = await api.getImage(ref.ref, opts.signal);
      const cid = image.collection_id ?? (typeof image.collection === 'number' ? image.collection : undefined);
      const collection =
        ref.ref.kind === 'token'
          ? await api.getCollection({ kind: 'token', token: ref.ref.token }, opts.signal)
          : cid !== undefined
            ? await collectionById(cid)
            : undefined;
      if (!collection) throw new NotFoundError(`image ${image.id} names no collection`);
      if (!consider(image, collection)) break;
    } else {
      const matches = await opts.findByDoi(ref.doi);
      if (matches.length === 0) throw new NotFoundError(`no collection has DOI ${ref.doi} (from "${ref.input}")`);
      for (const c of matches) {
        if (!(await fromCollection({ kind: 'id', id: c.id as number }))) break;
      }
    }
  }

  return planFrom(selected, api.baseUrl, opts.shard);
}

/**
 * The plan for images already chosen (from refs, or from the catalogue), in the order given: `--shard`
 * is applied here, last, so n shards together fetch exactly what one unsharded run would.
 */
export function planFrom(
  selected: readonly { image: Image; collection: Collection }[],
  baseUrl: string,
  shard: Shard | undefined,
): Plan {
  const plan: Plan = { items: [], collections: new Map(), unavailable: [] };
  for (const { image, collection } of selected) {
    if (!inShard(image.id, shard)) continue;
    const cid = image.collection_id ?? collection.id;
    if (typeof image.file !== 'string' || image.file === '') {
      plan.unavailable.push({ id: image.id, collectionId: cid, reason: 'the server lists no file for this image' });
      continue;
    }
    const ext = fileExtension(image.file);
    plan.items.push({
      id: image.id,
      collectionId: cid,
      fileUrl: onBaseOrigin(image.file, baseUrl),
      path: imagePath(cid, image.id, ext),
      metadataPath: imageMetadataPath(cid, image.id),
      expect: { ext, bytes: typeof image.file_size === 'number' && image.file_size > 0 ? image.file_size : undefined },
      modifyDate: typeof image.modify_date === 'string' ? image.modify_date : null,
      metadata: image as Record<string, unknown>,
    });
    if (!plan.collections.has(cid)) {
      plan.collections.set(cid, { path: collectionMetadataPath(cid), metadata: collection as Record<string, unknown> });
    }
  }
  return plan;
}

/**
 * File URLs are built by the server from its own idea of the request and may say http:// when we called
 * https:// (API.md §1). Exactly that case (same host, default port, http instead of https) is moved to our
 * origin, so TLS and the token rule stay as the user set them; any other origin (a port of its own, a
 * storage host) is left alone and never gets the token.
 */
function onBaseOrigin(fileUrl: string, baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(fileUrl, baseUrl);
  } catch {
    return fileUrl;
  }
  const base = new URL(baseUrl);
  if (url.hostname === base.hostname && url.protocol === 'http:' && base.protocol === 'https:' && url.port === '') {
    return new URL(`${url.pathname}${url.search}`, base.origin).href;
  }
  return url.href;
}
