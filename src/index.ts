/**
 * neurovault-cli as a library: the typed NeuroVault client, verified downloads, the local catalogue, S3
 * transfers and NIfTI rendering that the `neurovault` command wraps. Nothing here prints, exits or reads
 * process.env/argv: settings come in options (clientOptionsFromEnv(env) reads an environment you pass),
 * progress comes out as typed events, failures as the CliError family with the CLI's exit codes.
 * The CLI does not load this file (it imports each module when its command runs), so its start-up stays lean.
 */

// Errors and exit codes
export { CliError, UsageError, AuthError, NotFoundError, IntegrityError, InterruptedError, PartialFailureError, OfflineError, ExitCode } from './errors.js';
export type { CliErrorOptions, ExitCodeValue } from './errors.js';
export { HttpError, NetworkError, DeadlineError, ResponseShapeError } from './http/errors.js';

// The NeuroVault client
export { createClient, clientOptionsFromEnv, DEFAULT_BASE_URL } from './api/create-client.js';
export type { ClientOptions } from './api/create-client.js';
export { NeuroVaultClient, MAX_PAGE, DEFAULT_LIMIT } from './api/client.js';
export type { ListOptions, DoiLookup } from './api/client.js';
export { Transport } from './http/transport.js';
export type { TransportOptions } from './http/transport.js';
export { parseCollectionRef, parseImageRef, normalizeDoi } from './api/refs.js';
export type { CollectionRef, ImageRef } from './api/refs.js';
export type { Collection, Image, User } from './api/schemas.js';
export { createCollection, uploadImage } from './api/publish.js';
export { MAP_TYPES, MODALITIES, ANALYSIS_LEVELS, resolveChoice } from './api/choices.js';
export type { Choice } from './api/choices.js';

// Publishing
export { collectionBody, newCollection, privateTokenOf } from './api/new-collection.js';
export type { NewCollection } from './api/new-collection.js';
export { uploadImages, imageNameFor } from './upload/upload-images.js';
export type { UploadImagesOptions, UploadEvent, UploadResult } from './upload/upload-images.js';

// Downloads
export { prepareDownload, downloadSelection, LockMismatchError, MAX_DOWNLOAD_CONCURRENCY } from './download/download-selection.js';
export type { DownloadOptions, DownloadEvent, DownloadResult, DownloadFailure, PreparedDownload, Selection } from './download/download-selection.js';
export type { Plan, Shard } from './download/plan.js';
export type { Outcome } from './download/engine.js';
export type { ManifestEntry } from './download/manifest.js';
export type { Sink } from './download/sink.js';
export { MANIFEST_FILE } from './download/layout.js';
export { verifyDownload } from './download/verify.js';
export type { VerifyOptions, VerifyEvent, VerifyResult, Mismatch } from './download/verify.js';

// The local catalogue
export { syncCatalog } from './catalog/sync.js';
export type { SyncOptions, SyncResult, SyncProgress } from './catalog/sync.js';
export { openCatalog } from './catalog/reader.js';
export type { Catalog } from './catalog/reader.js';
export { catalogPath } from './catalog/location.js';
export { catalogStatus, searchCatalog, selectFromCatalog } from './catalog/catalogue.js';
export type { CatalogStatus, SearchOptions, SelectOptions, Where } from './catalog/catalogue.js';
export type { SearchHit } from './catalog/search.js';
export { cacheDir, configDir } from './config.js';

// S3
export { openS3Session } from './s3/session.js';
export type { S3Session, S3SessionOptions } from './s3/session.js';
export { S3Client } from './s3/client.js';
export type { BucketSummary, ObjectSummary } from './s3/client.js';
export { makeBucket } from './s3/make-bucket.js';
export { listBuckets, listObjects } from './s3/list.js';
export type { S3ListRecord } from './s3/list.js';
export { copy, partSize } from './s3/cp.js';
export type { CopyOptions, CopyEvent, CopyResult, ActionRecord, Tuning } from './s3/cp.js';
export type { Filter } from './s3/filters.js';
export { objectHeaders } from './s3/object-headers.js';
export type { ObjectSettings } from './s3/object-headers.js';

// NIfTI
export { renderPng } from './view/render-png.js';
export type { PngOptions } from './view/render-png.js';
