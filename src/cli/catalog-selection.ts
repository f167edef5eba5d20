import type { Context } from './context.js';
import type { WhereClause } from '../filter/where.js';
import type { Presenter } from '../output/presenter.js';

/** Flags that select images from the local catalogue instead of asking the server. */
export interface SelectionFlags {
  search?: string;
  basic?: boolean;
}

export function wantsCatalog(flags: SelectionFlags): boolean {
  return flags.search !== undefined || Boolean(flags.basic);
}

/**
 * Images of the catalogue matching --search (full text), --basic (nilearn's default filter) and
 * --where, by ascending id, at most `max`. The catalogue modules load only here. Field names in --where,
 * --columns and --json are checked against every key the catalogue holds, before selecting.
 */
export async function selectFromCatalog(
  flags: SelectionFlags,
  where: WhereClause[],
  max: number | undefined,
  ctx: Context,
  present: Presenter,
): Promise<{ image: Record<string, unknown>; collection: Record<string, unknown> | undefined }[]> {
  const [{ openCatalogFor }, { selectFromCatalog: select }, { catalogKeys }, { IMAGES }] = await Promise.all([
    import('./actions/catalog.js'),
    import('../catalog/catalogue.js'),
    import('../catalog/keys.js'),
    import('./actions/shapes.js'),
  ]);
  const catalog = await openCatalogFor(ctx);
  present.checkNames(catalogKeys(catalog.db), IMAGES, where);
  return select(catalog, { search: flags.search, basic: flags.basic, where, max });
}

export const SELECTION_HELP = `--basic is nilearn's default filter (fetch_neurovault), with nilearn's semantics: image not_mni false and
is_thresholded false (a missing value fails), map_type not ROI/mask, anatomical or parcellation, image_type
not atlas, and the collection's number_of_images not null or 0. Selections come from the local catalogue
(\`neurovault catalog sync\`), ordered by image id.`;
