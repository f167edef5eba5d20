import { COLLECTION_FIELDS, IMAGE_FIELDS } from '../../api/fields.js';
import type { RecordShape } from '../../output/presenter.js';

/** The kinds of records commands print: their default columns and the fields their schemas declare. */
const COLLECTION_DECLARED = COLLECTION_FIELDS;
const IMAGE_DECLARED = IMAGE_FIELDS;

export const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
export const IMAGE_COLUMNS = ['id', 'collection_id', 'name', 'image_type', 'map_type', 'modality', 'file_size'];

/**
 * The default columns that give way on a narrow screen, the first listed first, so that a name stays
 * readable (gh's column priorities). Columns the user chose with `--columns` keep their place.
 */
export const LOW_VALUE_COLUMNS = [
  'modify_date', 'add_date', 'owner_name', 'modality', 'image_type', 'file_size', 'number_of_images', 'matched', 'collection_id', 'DOI', 'map_type',
];

export const COLLECTIONS: RecordShape = { noun: ['collection', 'collections'], defaults: COLLECTION_COLUMNS, declared: COLLECTION_DECLARED, giveWay: LOW_VALUE_COLUMNS };

export const IMAGES: RecordShape = {
  noun: ['image', 'images'],
  defaults: IMAGE_COLUMNS,
  declared: IMAGE_DECLARED,
  giveWay: LOW_VALUE_COLUMNS,
  related: { collection: COLLECTION_DECLARED },
};
