import { matchesWhere, type WhereClause } from '../filter/where.js';
import type { Database } from './sqlite.js';
import { ShapeReader } from './shapes.js';

/**
 * nilearn's default filters (`basic_image_terms()` and `basic_collection_terms()` of
 * nilearn.datasets.neurovault), with nilearn's comparison semantics:
 * - `not_mni == False` and `is_thresholded == False`: Python's `False == v`, so false or 0 pass and a
 *   missing value (None) fails;
 * - `map_type` NotIn("ROI/mask", "anatomical", "parcellation"): a missing map_type passes;
 * - `image_type` NotEqual("atlas"): a missing image_type passes;
 * - collection `number_of_images` NotNull(): Python truthiness, so null, 0 and "" fail.
 * Columns keep the JSON type of each value (see schema.ts), so `= 0` does not match the text "0".
 */
export const BASIC_SQL = `
  i.not_mni = 0 AND i.is_thresholded = 0
  AND (i.map_type IS NULL OR i.map_type NOT IN ('ROI/mask', 'anatomical', 'parcellation'))
  AND (i.image_type IS NULL OR i.image_type <> 'atlas')
  AND c.id IS NOT NULL AND c.number_of_images IS NOT NULL AND c.number_of_images NOT IN (0, '')`;

export interface Selection {
  /** restricts to these image ids (a full-text match) */
  ids?: Set<number>;
  where: WhereClause[];
  basic: boolean;
  max?: number;
}

export interface Selected {
  image: Record<string, unknown>;
  collection: Record<string, unknown> | undefined;
}

/** Images of the catalogue that pass the selection, by ascending id (deterministic, unlike nilearn's walk). */
export function* selectImages(db: Database, sel: Selection): Generator<Selected> {
  const sql = `SELECT i.id AS id, i.json AS ij, c.json AS cj FROM images i LEFT JOIN collections c ON c.id = i.collection_id
    ${sel.basic ? `WHERE ${BASIC_SQL}` : ''} ORDER BY i.id`;
  const max = sel.max ?? Infinity;
  if (max <= 0) return;
  let n = 0;
  const shapes = new ShapeReader(db);
  for (const row of db.prepare(sql).iterate()) {
    if (sel.ids && !sel.ids.has(Number(row.id))) continue;
    const image = shapes.unpack(row.ij);
    const collection = row.cj === null ? undefined : shapes.unpack(row.cj);
    if (sel.where.length && !matchesWhere(image, sel.where, collection)) continue;
    yield { image, collection };
    if (++n >= max) return;
  }
}
