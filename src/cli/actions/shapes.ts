import { AtlasImage, Collection, NidmStatisticMap, StatisticMap } from '../../api/schemas.js';
import type { RecordShape } from '../../output/presenter.js';

/** The kinds of records commands print: their default columns and the fields their schemas declare. */
const COLLECTION_DECLARED = Object.keys(Collection.shape);
const IMAGE_DECLARED = [...new Set([StatisticMap, AtlasImage, NidmStatisticMap].flatMap((s) => Object.keys(s.shape)))];

export const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
export const IMAGE_COLUMNS = ['id', 'collection_id', 'name', 'image_type', 'map_type', 'modality', 'file_size'];

export const COLLECTIONS: RecordShape = { noun: ['collection', 'collections'], defaults: COLLECTION_COLUMNS, declared: COLLECTION_DECLARED };

export const IMAGES: RecordShape = {
  noun: ['image', 'images'],
  defaults: IMAGE_COLUMNS,
  declared: IMAGE_DECLARED,
  related: { collection: COLLECTION_DECLARED },
};
