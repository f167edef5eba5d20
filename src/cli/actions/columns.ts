/** Default table/csv/tsv columns per object kind; `--columns` replaces them. */
export const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
export const IMAGE_COLUMNS = ['id', 'collection_id', 'name', 'image_type', 'map_type', 'modality', 'file_size'];
