import * as z from 'zod';
import { formatCount } from '../util/counts.js';

/**
 * Response schemas. Every object is a `looseObject`: unknown server fields and user-defined metadata keys
 * must survive into `-o json` untouched. Only the fields the tool relies on are declared, with the real
 * nullability seen in recorded responses (API.md §4, test/fixtures/samples).
 */

const isoDate = z.string();
/** Any JSON number, including 1e400 (which JSON.parse makes Infinity and z.number() refuses). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');

export const Collection = z.looseObject({
  id: z.number().int(),
  url: z.string(),
  name: z.string(),
  DOI: z.string().nullable().optional(),
  // Added in 2025: a paper's preprint (a collection may have only that) and where the paper stands.
  preprint_DOI: z.string().nullable().optional(),
  publication_status: z.string().nullable().optional(),
  // Absent when the owner deleted their account (FK SET_NULL).
  owner: z.number().int().nullable().optional(),
  owner_name: z.string().nullable().optional(),
  // A comma-joined string on the live server, not a list.
  contributors: z.union([z.string(), z.array(z.unknown())]).nullable().optional(),
  // Shown, never relied on: a broken value must not cost the whole listing.
  number_of_images: anyNumber.nullable().optional(),
  // 2016 responses have no `private`.
  private: z.boolean().optional(),
  add_date: isoDate,
  modify_date: isoDate,
});
export type Collection = z.infer<typeof Collection>;

/**
 * Just what a DOI scan reads, for checking thousands of rows cheaply; the matches are then checked
 * against the full `Collection` schema. (Bodies are returned as sent, so no key is lost either way.)
 */
export interface CollectionDoi {
  id: number;
  DOI?: string | null;
  preprint_DOI?: string | null;
}
const optionalText = (v: unknown) => v === undefined || v === null || typeof v === 'string';
/** Checked by hand: zod's object parse would build a copy of every one of the ~10,000 rows it checks. */
export const CollectionDoi = z.custom<CollectionDoi>(
  (v) =>
    typeof v === 'object' && v !== null && Number.isSafeInteger((v as CollectionDoi).id) &&
    optionalText((v as CollectionDoi).DOI) && optionalText((v as CollectionDoi).preprint_DOI),
  'expected a collection with an integer id and DOI/preprint_DOI strings or null',
);

const imageFields = {
  id: z.number().int(),
  // The 2016 upload response lacked url/collection_id and had `collection` as an int.
  url: z.string().optional(),
  name: z.string(),
  file: z.string().nullable(),
  collection: z.union([z.string(), z.number().int()]).nullable().optional(),
  collection_id: z.number().int().nullable().optional(),
  // 0 means the file is missing on the server's disk. null, negative, fractional or absurd sizes are a
  // problem of that one record (the download plan treats the size as unknown or rejects the image), not
  // of the listing: see knownFileSize.
  file_size: anyNumber.nullable().optional(),
  add_date: isoDate.optional(),
  modify_date: isoDate.optional(),
  // Renamed `gender` → `sex` in 2025: both are declared (so --where/--columns accept either on any
  // record) and neither is constrained (shown, never relied on).
  sex: z.unknown().optional(),
  gender: z.unknown().optional(),
};

export const StatisticMap = z.looseObject({
  ...imageFields,
  image_type: z.literal('statistic_map'),
  map_type: z.string(),
  modality: z.string().nullable().optional(),
});

export const AtlasImage = z.looseObject({
  ...imageFields,
  image_type: z.literal('atlas'),
  label_description_file: z.string().nullable().optional(),
});

export const NidmStatisticMap = z.looseObject({
  ...imageFields,
  image_type: z.literal('NIDM results statistic map'),
  nidm_results: z.string().optional(),
});

/** Items of /api/atlases/ (no `image_type`), historic shapes, and image types added later. */
export const OtherImage = z.looseObject({
  ...imageFields,
  image_type: z.string().optional(),
});

/** Polymorphic by `image_type`; anything else still parses, with the common fields checked. */
export const Image = z.union([StatisticMap, AtlasImage, NidmStatisticMap, OtherImage]);
export type Image = z.infer<typeof Image>;

export const NidmResults = z.looseObject({
  id: z.number().int(),
  url: z.string(),
  name: z.string(),
  // An int here, unlike images.
  collection: z.number().int(),
  zip_file: z.string().nullable().optional(),
  ttl_file: z.string().nullable().optional(),
  statmaps: z.array(Image).optional(),
  add_date: isoDate.optional(),
  modify_date: isoDate.optional(),
});
export type NidmResults = z.infer<typeof NidmResults>;

export const User = z.looseObject({
  id: z.number().int(),
  username: z.string(),
  email: z.string().nullable().optional(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
});
export type User = z.infer<typeof User>;

/**
 * Sanity caps on a list's `count`: the live server holds about 10k public collections and 270k images
 * (2025), so a count 100× (collections) or ~37× (images) beyond that is a broken or hostile answer, not
 * growth. Without a cap, `count: 2^53-1` would make a DOI scan plan 9e12 page requests.
 */
export const MAX_COLLECTIONS = 1_000_000;
export const MAX_IMAGES = 10_000_000;

/** A size the server vouches for: a positive safe integer, else undefined (unknown). */
export function knownFileSize(image: { file_size?: number | null }): number | undefined {
  const size = image.file_size;
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 0 ? size : undefined;
}

/** DRF LimitOffsetPagination envelope. */
export function Page<T extends z.ZodType>(item: T, maxCount: number = MAX_IMAGES) {
  return z.looseObject({
    count: z
      .number()
      .int()
      .nonnegative()
      .max(maxCount, `a count above ${formatCount(maxCount)}, far beyond what NeuroVault holds`),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
}
export interface PageOf<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
