import * as z from 'zod';

/**
 * Response schemas. Every object is a `looseObject`: unknown server fields and user-defined metadata keys
 * must survive into `-o json` untouched. Only the fields the tool relies on are declared, with the real
 * nullability seen in recorded responses (API.md §4, test/fixtures/samples).
 */

const isoDate = z.string();

export const Collection = z.looseObject({
  id: z.number().int(),
  url: z.string(),
  name: z.string(),
  DOI: z.string().nullable().optional(),
  // Absent when the owner deleted their account (FK SET_NULL).
  owner: z.number().int().nullable().optional(),
  owner_name: z.string().nullable().optional(),
  // A comma-joined string on the live server, not a list.
  contributors: z.union([z.string(), z.array(z.unknown())]).nullable().optional(),
  number_of_images: z.number().int().optional(),
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
export const CollectionDoi = z.object({
  id: z.number().int(),
  DOI: z.string().nullable().optional(),
});
export type CollectionDoi = z.infer<typeof CollectionDoi>;

const imageFields = {
  id: z.number().int(),
  // The 2016 upload response lacked url/collection_id and had `collection` as an int.
  url: z.string().optional(),
  name: z.string(),
  file: z.string().nullable(),
  collection: z.union([z.string(), z.number().int()]).optional(),
  collection_id: z.number().int().optional(),
  // 0 means the file is missing on the server's disk (unknown size).
  file_size: z.number().int().nonnegative().optional(),
  add_date: isoDate.optional(),
  modify_date: isoDate.optional(),
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

/** DRF LimitOffsetPagination envelope. */
export function Page<T extends z.ZodType>(item: T) {
  return z.looseObject({
    count: z.number().int().nonnegative(),
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
