import type { Context } from '../context.js';
import type { ImagesListFlags } from '../commands/images.js';
import { parseCollectionRef, parseImageRef } from '../../api/refs.js';
import type { Collection, Image } from '../../api/schemas.js';
import type { NeuroVaultClient } from '../../api/client.js';
import { parseLimit } from '../parse.js';
import { collectionFields, matchesWhere, parseWhere, type WhereClause } from '../../filter/where.js';
import { writeObject, writeRecords } from '../../output/format.js';
import { IMAGE_COLUMNS } from './columns.js';
import { UsageError } from '../../errors.js';
import { selectFromCatalog, wantsCatalog } from '../catalog-selection.js';

export async function runImagesList(flags: ImagesListFlags, ctx: Context): Promise<void> {
  const { limit, all } = parseLimit(flags);
  const collection = flags.collection === undefined ? undefined : parseCollectionRef(flags.collection);
  const where = parseWhere(flags.where ?? []);
  if (wantsCatalog(flags)) {
    if (collection) throw new UsageError('--search and --basic select from the whole catalogue; drop --collection');
    const selected = await selectFromCatalog(flags, where, all ? undefined : (limit ?? 100), ctx);
    const g = ctx.globals;
    await writeRecords(ctx.io, selected.map((s) => s.image), { format: g.output, columns: g.columns ?? IMAGE_COLUMNS, color: g.color });
    return;
  }
  const api = await ctx.api();
  const opts = { signal: ctx.signal };
  // /api/images/ has no server-side filters (API.md §3): every --where is applied here.
  const source =
    where.length === 0
      ? collection
        ? api.collectionImages(collection, { limit, all, ...opts })
        : api.listImages({ limit, all, ...opts })
      : filtered(
          api,
          collection ? api.collectionImages(collection, { all: true, ...opts }) : api.listImages({ all: true, ...opts }),
          where,
          all ? Infinity : (limit ?? 100),
        );
  const g = ctx.globals;
  await writeRecords(ctx.io, source, { format: g.output, columns: g.columns ?? IMAGE_COLUMNS, color: g.color });
}

/** Applies --where, fetching each image's collection once when a `collection.<field>` is used. */
export async function* filtered(
  api: NeuroVaultClient,
  images: AsyncIterable<Image>,
  where: WhereClause[],
  max: number,
): AsyncGenerator<Image> {
  const needCollection = collectionFields(where);
  const collections = new Map<number, Promise<Collection>>();
  let emitted = 0;
  for await (const image of images) {
    let collection: Collection | undefined;
    if (needCollection && typeof image.collection_id === 'number') {
      const id = image.collection_id;
      if (!collections.has(id)) collections.set(id, api.getCollection({ kind: 'id', id }));
      collection = await collections.get(id)!;
    }
    if (!matchesWhere(image, where, collection)) continue;
    yield image;
    if (++emitted >= max) return;
  }
}

export async function runImagesGet(ref: string, ctx: Context): Promise<void> {
  const parsed = parseImageRef(ref);
  const api = await ctx.api();
  const image = await api.getImage(parsed, ctx.signal);
  const g = ctx.globals;
  await writeObject(ctx.io, image, { format: g.output, columns: g.columns ?? IMAGE_COLUMNS, color: g.color });
}
