import type { Context } from '../context.js';
import { parseCollectionRef, parseImageRef } from '../../api/refs.js';
import type { Collection, Image } from '../../api/schemas.js';
import type { NeuroVaultClient } from '../../api/client.js';
import { parseLimit } from '../parse.js';
import { collectionFields, matchesWhere, parseWhere, type WhereClause } from '../../filter/where.js';
import { withRelated } from '../../output/format.js';
import { sampleOnce } from '../../output/fields.js';
import type { Presenter } from '../../output/presenter.js';
import { UsageError } from '../../errors.js';
import { selectFromCatalog, wantsCatalog } from '../catalog-selection.js';
import { DEFAULT_LIST_LIMIT, IMAGES } from './shapes.js';
import { countedWait } from '../../output/progress-wait.js';
import { presenterFor } from '../present.js';

export interface ImagesListFlags {
  collection?: string;
  search?: string;
  basic?: boolean;
  where?: string[];
  limit?: string;
  all?: boolean;
}

export async function runImagesList(flags: ImagesListFlags, ctx: Context): Promise<void> {
  const { limit, all } = parseLimit(flags);
  const collection = flags.collection === undefined ? undefined : parseCollectionRef(flags.collection);
  const where = parseWhere(flags.where ?? []);
  const present = presenterFor(ctx);
  const max = all ? Infinity : (limit ?? DEFAULT_LIST_LIMIT);
  if (wantsCatalog(flags)) {
    if (collection) throw new UsageError('--search and --basic select from the whole catalogue; drop --collection');
    const selected = await selectFromCatalog(flags, where, all ? undefined : max, ctx, present);
    const records = selected.map((s) => withRelated(s.image, { collection: s.collection }));
    if (ctx.globals.listFields) return present.fieldNames(records.slice(0, 100), IMAGES);
    await present.list(records, IMAGES, { limit: max, filtered: true });
    return;
  }
  const api = await ctx.api();
  const source = (opts: Parameters<NeuroVaultClient['listImages']>[0]) =>
    collection ? api.collectionImages(collection, opts) : api.listImages(opts);
  if (ctx.globals.listFields) return present.fieldNames(await sampleOnce(source({ signal: ctx.signal })), IMAGES);
  // Own fields are checked against the first page, `collection.<field>` against the first collection fetched.
  let total: number | undefined;
  const opts = {
    signal: ctx.signal,
    onPage: (page: { results: readonly object[]; count: number }) => {
      if (total === undefined) present.check(page.results, IMAGES, where.filter((c) => !c.field.startsWith('collection.')));
      total = page.count;
    },
  };
  const related = collectionFields(where) || present.wantsRelated('collection');
  // /api/images/ has no server-side filters (API.md §3): every --where is applied here.
  const images =
    !related && where.length === 0
      ? source({ limit, all, ...opts })
      : filtered(api, source({ all: true, ...opts }), where, max, related ? present : undefined);
  await present.list(countedWait(ctx, 'listing images', images), IMAGES, { limit: max, total: () => total, filtered: where.length > 0 });
}

/**
 * Applies --where and attaches each image's collection (fetched once per collection) when a
 * `collection.<field>` is filtered on or shown; `present` checks those fields against the first one.
 */
export async function* filtered(
  api: NeuroVaultClient,
  images: AsyncIterable<Image>,
  where: WhereClause[],
  max: number,
  present?: Presenter,
): AsyncGenerator<Image> {
  const collections = new Map<number, Promise<Collection>>();
  let emitted = 0;
  for await (const image of images) {
    let collection: Collection | undefined;
    if (present && typeof image.collection_id === 'number') {
      const id = image.collection_id;
      if (!collections.has(id)) {
        const fetched = api.getCollection({ kind: 'id', id });
        if (collections.size === 0) present.check([], IMAGES, where.filter((c) => c.field.startsWith('collection.')), { collection: [await fetched] });
        collections.set(id, fetched);
      }
      collection = await collections.get(id)!;
    }
    if (!matchesWhere(image, where, collection)) continue;
    yield present ? withRelated(image, { collection }) : image;
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
  const present = presenterFor(ctx);
  if (ctx.globals.listFields) return present.fieldNames([image], IMAGES);
  if (present.wantsRelated('collection') && typeof image.collection_id === 'number') {
    const collection = await api.getCollection({ kind: 'id', id: image.collection_id }, ctx.signal);
    present.check([image], IMAGES, [], { collection: [collection] });
    return present.one(withRelated(image, { collection }), IMAGES);
  }
  present.check([image], IMAGES);
  await present.one(image, IMAGES);
}
