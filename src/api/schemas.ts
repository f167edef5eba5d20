import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { formatCount } from '../util/counts.js';

// zod's small build (its load is ~2 ms, the full one's ~8 ms plus ~4 ms to build these schemas, on every
// networked command), with the full build's English messages: a shape problem names what was expected.
z.config(en());

/**
 * Response schemas. Every object is a `looseObject`: unknown server fields and user-defined metadata keys
 * must survive into `-o json` untouched. Only the fields the tool relies on are declared, with the real
 * nullability seen in recorded responses (API.md §4, test/fixtures/samples).
 */

const isoDate = z.string();
/** Any JSON number, including 1e400 (which JSON.parse makes Infinity and z.number() refuses). */
const anyNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');

export const Collection = z.looseObject({
  id: z.int(),
  url: z.string(),
  name: z.string(),
  DOI: z.optional(z.nullable(z.string())),
  // Added in 2025: a paper's preprint (a collection may have only that) and where the paper stands.
  preprint_DOI: z.optional(z.nullable(z.string())),
  publication_status: z.optional(z.nullable(z.string())),
  // Absent when the owner deleted their account (FK SET_NULL).
  owner: z.optional(z.nullable(z.int())),
  owner_name: z.optional(z.nullable(z.string())),
  // A comma-joined string on the live server, not a list.
  contributors: z.optional(z.nullable(z.union([z.string(), z.array(z.unknown())]))),
  // Shown, never relied on: a broken value must not cost the whole listing.
  number_of_images: z.optional(z.nullable(anyNumber)),
  // 2016 responses have no `private`.
  private: z.optional(z.boolean()),
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
  id: z.int(),
  // The 2016 upload response lacked url/collection_id and had `collection` as an int.
  url: z.optional(z.string()),
  name: z.string(),
  file: z.nullable(z.string()),
  collection: z.optional(z.nullable(z.union([z.string(), z.int()]))),
  collection_id: z.optional(z.nullable(z.int())),
  // 0 means the file is missing on the server's disk. null, negative, fractional or absurd sizes are a
  // problem of that one record (the download plan treats the size as unknown or rejects the image), not
  // of the listing: see knownFileSize.
  file_size: z.optional(z.nullable(anyNumber)),
  add_date: z.optional(isoDate),
  modify_date: z.optional(isoDate),
  // Renamed `gender` → `sex` in 2025: both are declared (so --where/--columns accept either on any
  // record) and neither is constrained (shown, never relied on).
  sex: z.optional(z.unknown()),
  gender: z.optional(z.unknown()),
};

export const StatisticMap = z.looseObject({
  ...imageFields,
  image_type: z.literal('statistic_map'),
  map_type: z.string(),
  modality: z.optional(z.nullable(z.string())),
});

export const AtlasImage = z.looseObject({
  ...imageFields,
  image_type: z.literal('atlas'),
  label_description_file: z.optional(z.nullable(z.string())),
});

export const NidmStatisticMap = z.looseObject({
  ...imageFields,
  image_type: z.literal('NIDM results statistic map'),
  nidm_results: z.optional(z.string()),
});

/** Items of /api/atlases/ (no `image_type`), historic shapes, and image types added later. */
export const OtherImage = z.looseObject({
  ...imageFields,
  image_type: z.optional(z.string()),
});

/** Polymorphic by `image_type`; anything else still parses, with the common fields checked. */
export const Image = z.union([StatisticMap, AtlasImage, NidmStatisticMap, OtherImage]);
export type Image = z.infer<typeof Image>;

export const NidmResults = z.looseObject({
  id: z.int(),
  url: z.string(),
  name: z.string(),
  // An int here, unlike images.
  collection: z.int(),
  zip_file: z.optional(z.nullable(z.string())),
  ttl_file: z.optional(z.nullable(z.string())),
  statmaps: z.optional(z.array(Image)),
  add_date: z.optional(isoDate),
  modify_date: z.optional(isoDate),
});
export type NidmResults = z.infer<typeof NidmResults>;

export const User = z.looseObject({
  id: z.int(),
  username: z.string(),
  email: z.optional(z.nullable(z.string())),
  first_name: z.optional(z.nullable(z.string())),
  last_name: z.optional(z.nullable(z.string())),
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
export function Page<T extends z.ZodMiniType>(item: T, maxCount: number = MAX_IMAGES) {
  return z.looseObject({
    count: z.int().check(z.nonnegative(), z.maximum(maxCount, `a count above ${formatCount(maxCount)}, far beyond what NeuroVault holds`)),
    next: z.nullable(z.string()),
    previous: z.nullable(z.string()),
    results: z.array(item),
  });
}
export interface PageOf<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
