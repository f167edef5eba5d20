/**
 * The field names the response schemas declare (src/api/schemas.ts), for the `--where`/`--columns`
 * checks and `--fields`, which need only the names: reading them here spares the local answers (a DOI
 * from the cached index, `images list --search`) loading zod, ~15 ms of their start. test/api-schemas
 * keeps these lists equal to the schemas.
 */
export const COLLECTION_FIELDS: readonly string[] = [
  'id', 'url', 'name', 'DOI', 'preprint_DOI', 'publication_status', 'owner', 'owner_name', 'contributors',
  'number_of_images', 'private', 'add_date', 'modify_date',
];

/** Statistic maps, atlases and NIDM statistic maps together. */
export const IMAGE_FIELDS: readonly string[] = [
  'id', 'url', 'name', 'file', 'collection', 'collection_id', 'file_size', 'add_date', 'modify_date', 'sex', 'gender',
  'image_type', 'map_type', 'modality', 'label_description_file', 'nidm_results',
];
