import type { NeuroVaultClient } from '../api/client.js';
import type { CollectionRef } from '../api/refs.js';
import type { Collection, Image } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { matchesWhere, type WhereClause } from '../filter/where.js';
import type { DownloadItem } from './engine.js';
import { allowedExtension, collectionMetadataPath, fileExtension, imageMetadataPath, imagePath, validId } from './layout.js';
import type { DownloadRef } from './refs.js';
import { sidecarText } from './manifest.js';

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
  /** Collections with at least one planned image: their `collection_metadata.json` (`text`) is written. */
  collections: Map<number, { path: string; metadata: Record<string, unknown>; text: string }>;
  /**
   * Selected images that cannot be downloaded at all (no file URL) or are refused (a record that would
   * land in the wrong place: ids that disagree or are not positive, an unexpected file extension).
   */
  unavailable: { id: number; collectionId: number; reason: string }[];
}

/** The collection an image was selected with, and the id it was asked for by (when by id). */
interface Selected {
  image: Image;
  collection: Collection;
  askedId?: number;
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
  const selected: Selected[] = [];
  const refusedEarly: Plan['unavailable'] = [];
  const limit = opts.maxImages ?? Infinity;
  const consider = (image: Image, collection: Collection, askedId?: number): boolean => {
    if (seen.has(image.id)) return true;
    seen.add(image.id);
    if (opts.where.length && !matchesWhere(image, opts.where, collection)) return true;
    selected.push({ image, collection, askedId });
    return selected.length < limit;
  };

  const fromCollection = async (ref: CollectionRef): Promise<boolean> => {
    // The collection and its first page are independent requests: ask for both at once.
    const images = api.collectionImages(ref, { all: true, signal: opts.signal });
    const first = images.next();
    // Handled below; this only keeps a failed collection request from leaving it unobserved.
    first.catch(() => undefined);
    const collection = await api.getCollection(ref, opts.signal);
    const askedId = ref.kind === 'id' ? ref.id : undefined;
    // Cached only under the id it truly has: a collection answering as another must not stand in for it.
    if (askedId === undefined || askedId === collection.id) collections.set(collection.id, Promise.resolve(collection));
    let step = await first;
    while (!step.done) {
      if (!consider(step.value, collection, askedId)) {
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
      const cid = ownCollectionId(image);
      if (ref.ref.kind === 'id' && image.id !== ref.ref.id) {
        const reason = `the server answered with the record of image ${String(image.id)}; refused`;
        refusedEarly.push({ id: ref.ref.id, collectionId: cid ?? 0, reason });
        continue;
      }
      const collection =
        ref.ref.kind === 'token'
          ? await api.getCollection({ kind: 'token', token: ref.ref.token }, opts.signal)
          : cid !== undefined && validId(cid)
            ? await collectionById(cid)
            : undefined;
      if (!collection) {
        if (cid === undefined) throw new NotFoundError(`image ${image.id} names no collection`);
        // An id we will not ask for (negative, zero): refused below like any other bad record.
        if (!consider(image, { id: cid } as Collection, cid)) break;
        continue;
      }
      if (!consider(image, collection, ref.ref.kind === 'id' ? cid : undefined)) break;
    } else {
      const matches = await opts.findByDoi(ref.doi);
      if (matches.length === 0) throw new NotFoundError(`no collection has DOI ${ref.doi} (from "${ref.input}")`);
      for (const c of matches) {
        if (!(await fromCollection({ kind: 'id', id: c.id as number }))) break;
      }
    }
  }

  return planFrom(selected, api.baseUrl, opts.shard, refusedEarly);
}

/**
 * The plan for images already chosen (from refs, or from the catalogue), in the order given: `--shard`
 * is applied here, last, so n shards together fetch exactly what one unsharded run would.
 */
export function planFrom(
  selected: readonly Selected[],
  baseUrl: string,
  shard: Shard | undefined,
  refusedEarly: Plan['unavailable'] = [],
): Plan {
  const plan: Plan = { items: [], collections: new Map(), unavailable: refusedEarly };
  const collectionTexts = new Map<Collection, string | Error>();
  for (const { image, collection, askedId } of selected) {
    // A record refused for its id is reported by shard 0 alone (id mod n of a negative id fits no shard).
    if (!inShard(validId(image.id) ? image.id : 0, shard)) continue;
    const cid = collection.id;
    const refuse = (reason: string) => plan.unavailable.push({ id: image.id, collectionId: cid, reason });
    const why = refusal(image, collection, askedId);
    if (why) {
      refuse(why);
      continue;
    }
    if (typeof image.file !== 'string' || image.file === '') {
      refuse('the server lists no file for this image');
      continue;
    }
    // NeuroVault reports 0 when it cannot stat the file (ImageSerializer.get_file_size on OSError), and
    // the file URL then 404s (API.md §12): asking for it would only cost a request and a retry budget.
    if (image.file_size === 0) {
      refuse('the file is missing on the server (its file_size is 0)');
      continue;
    }
    const ext = fileExtension(image.file);
    if (!allowedExtension(ext)) {
      refuse(`the server's file name has an unexpected extension "${ext}"; refused`);
      continue;
    }
    let text = collectionTexts.get(collection);
    if (text === undefined) {
      text = jsonText(collection);
      collectionTexts.set(collection, text);
    }
    if (text instanceof Error) {
      refuse(`the metadata of collection ${cid} cannot be stored as JSON (${text.message})`);
      continue;
    }
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
      plan.collections.set(cid, { path: collectionMetadataPath(cid), metadata: collection as Record<string, unknown>, text });
    }
  }
  return plan;
}

/** The image's own idea of its collection: `collection_id`, else a numeric `collection`. */
function ownCollectionId(image: Image): number | undefined {
  return image.collection_id ?? (typeof image.collection === 'number' ? image.collection : undefined);
}

/**
 * Why a record would put one collection's data in another's folder, or outside the layout; undefined
 * when it is consistent. Such records are refused one by one: the others still download.
 */
function refusal(image: Image, collection: Collection, askedId: number | undefined): string | undefined {
  if (!validId(image.id)) return `invalid image id ${String(image.id)}; refused`;
  if (!validId(collection.id)) return `invalid collection id ${String(collection.id)}; refused`;
  if (askedId !== undefined && askedId !== collection.id) {
    return `collection ${askedId} was answered with the record of collection ${collection.id}; refused`;
  }
  const own = ownCollectionId(image);
  if (own !== undefined && own !== collection.id) {
    return `the image names collection ${own} but was listed under collection ${collection.id}; refused`;
  }
  return undefined;
}

function jsonText(value: unknown): string | Error {
  try {
    return sidecarText(value);
  } catch (err) {
    return err as Error;
  }
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
