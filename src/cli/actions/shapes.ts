import { COLLECTION_FIELDS, IMAGE_FIELDS } from '../../api/fields.js';
import type { RecordShape } from '../../output/presenter.js';

/** The kinds of records commands print: their default columns and the fields their schemas declare. */
const COLLECTION_DECLARED = COLLECTION_FIELDS;
const IMAGE_DECLARED = IMAGE_FIELDS;

export const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
export const IMAGE_COLUMNS = ['id', 'collection_id', 'name', 'image_type', 'map_type', 'modality', 'file_size'];

export const COLLECTIONS: RecordShape = { noun: ['collection', 'collections'], defaults: COLLECTION_COLUMNS, declared: COLLECTION_DECLARED };

export const IMAGES: RecordShape = {
  noun: ['image', 'images'],
  defaults: IMAGE_COLUMNS,
  declared: IMAGE_DECLARED,
  related: { collection: COLLECTION_DECLARED },
};
