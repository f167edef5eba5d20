import type { Context } from '../context.js';
import { parseCollectionRef, parseImageRef } from '../../api/refs.js';
import { AtlasImage, Collection, NidmStatisticMap, StatisticMap, type Image } from '../../api/schemas.js';
import type { NeuroVaultClient } from '../../api/client.js';
import { parseLimit } from '../parse.js';
import { collectionFields, matchesWhere, parseWhere, type WhereClause } from '../../filter/where.js';
import { writeObject, writeRecords } from '../../output/format.js';
import { UsageError } from '../../errors.js';
import { selectFromCatalog, wantsCatalog } from '../catalog-selection.js';
import { IMAGE_COLUMNS, fieldUses, outputOptions } from './columns.js';
import { checkFields, type FieldUse } from '../field-check.js';
import { ListTally, notify } from '../list-notice.js';
import { printFieldNames, sampleOnce } from './fields.js';
import { countedWait } from '../../output/progress-wait.js';

export interface ImagesListFlags {
  collection?: string;
  search?: string;
  basic?: boolean;
  where?: string[];
  limit?: string;
  all?: boolean;
}

const DECLARED = [...new Set([StatisticMap, AtlasImage, NidmStatisticMap].flatMap((s) => Object.keys(s.shape)))];
const COLLECTION_DECLARED = Object.keys(Collection.shape);
const COLLECTION_PREFIX = 'collection.';

export async function runImagesList(flags: ImagesListFlags, ctx: Context): Promise<void> {
  const { limit, all } = parseLimit(flags);
  const collection = flags.collection === undefined ? undefined : parseCollectionRef(flags.collection);
  const where = parseWhere(flags.where ?? []);
  if (wantsCatalog(flags)) {
    if (collection) throw new UsageError('--search and --basic select from the whole catalogue; drop --collection');
    const selected = await selectFromCatalog(flags, where, all ? undefined : (limit ?? 100), ctx);
    await writeRecords(ctx.io, selected.map((s) => s.image), outputOptions(ctx, IMAGE_COLUMNS, 'list'));
    return;
  }
  const api = await ctx.api();
  if (ctx.globals.listFields) {
    const first = collection ? api.collectionImages(collection, { signal: ctx.signal }) : api.listImages({ signal: ctx.signal });
    return printFieldNames(ctx, await sampleOnce(first), DECLARED);
  }
  // `collection.<field>` is checked against the first collection fetched, the rest against the first page.
  const uses = fieldUses(ctx, where);
  const imageUses = uses.filter((u) => !u.field.startsWith(COLLECTION_PREFIX) || !collectionFields(where));
  const collectionUses = uses
    .filter((u) => u.field.startsWith(COLLECTION_PREFIX) && collectionFields(where))
    .map((u) => ({ ...u, field: u.field.slice(COLLECTION_PREFIX.length) }));
  const tally = new ListTally();
  const opts = {
    signal: ctx.signal,
    onPage: (page: { results: readonly object[]; count: number }) => {
      if (tally.count === undefined) checkFields(imageUses, page.results, DECLARED);
      tally.onPage(page);
    },
  };
  const max = all ? Infinity : (limit ?? 100);
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
          max,
          collectionUses,
        );
  const shown = await writeRecords(ctx.io, countedWait(ctx, 'listing images', source), outputOptions(ctx, IMAGE_COLUMNS, 'list'));
  notify(ctx, tally.notice(shown, max, where.length > 0));
}

/** Applies --where, fetching each image's collection once when a `collection.<field>` is used. */
export async function* filtered(
  api: NeuroVaultClient,
  images: AsyncIterable<Image>,
  where: WhereClause[],
  max: number,
  collectionUses: FieldUse[] = [],
): AsyncGenerator<Image> {
  const needCollection = collectionFields(where);
  const collections = new Map<number, Promise<Collection>>();
  let emitted = 0;
  for await (const image of images) {
    let collection: Collection | undefined;
    if (needCollection && typeof image.collection_id === 'number') {
      const id = image.collection_id;
      if (!collections.has(id)) {
        const fetched = api.getCollection({ kind: 'id', id });
        if (collections.size === 0) checkFields(collectionUses, [await fetched], COLLECTION_DECLARED);
        collections.set(id, fetched);
      }
      collection = await collections.get(id)!;
    }
    if (!matchesWhere(image, where, collection)) continue;
    yield image;
    if (++emitted >= max) return;
  }
}

export async function runImagesGet(ref: string, ctx: Context, web = false): Promise<void> {
  const parsed = parseImageRef(ref);
  if (web) {
    const { openPage } = await import('./open.js');
    return openPage(ctx, { kind: 'image', ref: parsed });
  }
  const api = await ctx.api();
  const image = await api.getImage(parsed, ctx.signal);
  if (ctx.globals.listFields) return printFieldNames(ctx, [image], DECLARED);
  checkFields(fieldUses(ctx, []), [image], DECLARED);
  await writeObject(ctx.io, image, outputOptions(ctx, IMAGE_COLUMNS, 'get'));
}
