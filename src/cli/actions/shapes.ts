import { COLLECTION_FIELDS, IMAGE_FIELDS } from '../../api/fields.js';
import type { RecordShape } from '../../output/presenter.js';

/** Records a list command shows when neither --limit nor --all is given. */
export const DEFAULT_LIST_LIMIT = 100;

/** The kinds of records commands print: their default columns and the fields their schemas declare. */

export const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
export const IMAGE_COLUMNS = ['id', 'collection_id', 'name', 'image_type', 'map_type', 'modality', 'file_size'];

/**
 * The default columns that give way on a narrow screen, the first listed first, so that a name stays
 * readable (gh's column priorities). Columns the user chose with `--columns` keep their place.
 */
export const LOW_VALUE_COLUMNS = [
  'modify_date', 'add_date', 'owner_name', 'modality', 'image_type', 'file_size', 'number_of_images', 'matched', 'collection_id', 'DOI', 'map_type',
];

export const COLLECTIONS: RecordShape = { noun: ['collection', 'collections'], defaults: COLLECTION_COLUMNS, declared: COLLECTION_FIELDS, giveWay: LOW_VALUE_COLUMNS };

export const IMAGES: RecordShape = {
  noun: ['image', 'images'],
  defaults: IMAGE_COLUMNS,
  declared: IMAGE_FIELDS,
  giveWay: LOW_VALUE_COLUMNS,
  related: { collection: COLLECTION_FIELDS },
};

/** What `collections create` and `images upload` print: the created objects, their URL whole. */
export const CREATED_COLLECTION: RecordShape = { ...COLLECTIONS, defaults: ['id', 'name', 'DOI', 'private', 'url'] };
export const UPLOADED: RecordShape = { ...IMAGES, defaults: ['id', 'name', 'map_type', 'modality', 'file_size', 'url'] };

/** `download --dry-run`: the planned files. */
export const PLANNED: RecordShape = { noun: ['image', 'images'], defaults: ['id', 'collection_id', 'bytes', 'path'], declared: ['id', 'collection_id', 'bytes', 'path'] };

/** The summary of a download (`-o`, `--json a,b`). */
export const DOWNLOADED: RecordShape = {
  noun: ['download', 'downloads'],
  defaults: [],
  declared: ['out', 'manifest', 'images', 'fetched', 'skipped', 'failed', 'not_started', 'bytes', 'seconds', 'interrupted', 'server_down', 'lock', 'failures'],
};

export const LOGGED_IN: RecordShape = { noun: ['login', 'logins'], defaults: [], declared: ['baseUrl', 'id', 'username', 'tokenSource'] };

/** `s3 mb` and `s3 cp`: one record per action done (or planned with --dryrun). */
export const S3_ACTIONS: RecordShape = {
  noun: ['action', 'actions'],
  defaults: ['action', 'source', 'destination', 'bytes'],
  declared: ['action', 'bucket', 'source', 'destination', 'bytes', 'dryrun'],
};
export const S3_BUCKETS: RecordShape = { noun: ['bucket', 'buckets'], defaults: ['name', 'creation_date'], declared: ['name', 'creation_date'] };
export const S3_OBJECTS: RecordShape = {
  noun: ['object', 'objects'],
  defaults: ['type', 'key', 'size', 'last_modified', 'etag', 'storage_class'],
  declared: ['type', 'key', 'size', 'last_modified', 'etag', 'storage_class'],
};
