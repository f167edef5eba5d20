import type { Context } from '../context.js';
import { collectionBody, newCollection, type NewCollection } from '../../api/new-collection.js';
import { uploadImages } from '../../upload/upload-images.js';
import { createdPrivateNotice } from '../../api/private.js';
import { presenterFor } from '../present.js';
import { CREATED_COLLECTION, UPLOADED } from './shapes.js';
import { UploadProgress } from '../../output/upload-bar.js';
import { parseKeyValues } from '../parse.js';
import { requireToken } from '../require-token.js';

export type CollectionsCreateOptions = NewCollection;

export interface ImagesUploadOptions {
  collection: string;
  mapType?: string;
  modality?: string;
  name?: string;
  analysisLevel?: string;
  meta?: string[];
  metaFile?: string;
  skipExisting?: boolean;
}

/** Validates every flag, then POSTs one JSON body; the created collection goes to stdout per `-o`. */
export async function runCollectionsCreate(opts: CollectionsCreateOptions, ctx: Context): Promise<void> {
  const body = collectionBody(opts);
  const present = presenterFor(ctx);
  // Fields are judged before the collection exists: a typo must not cost a stray collection.
  present.checkKnown({ ...CREATED_COLLECTION, declared: [...CREATED_COLLECTION.declared, ...Object.keys(body)] });
  await requireToken(ctx, 'collections create');
  const { collection: created } = await newCollection(await ctx.api(), body, ctx.signal);
  if (created.private && !ctx.globals.quiet) ctx.warn(createdPrivateNotice(created));
  await present.one(created, CREATED_COLLECTION);
}

/**
 * Every flag and file is checked before the token and the first request (exit 2, nothing sent). The run
 * stops at the first failure: the images created so far are still printed, so a script knows what exists.
 */
export async function runImagesUpload(paths: string[], opts: ImagesUploadOptions, ctx: Context): Promise<void> {
  const present = presenterFor(ctx);
  present.checkKnown(UPLOADED);
  const progress = new UploadProgress(ctx, opts.collection);
  const result = await uploadImages({
    client: async () => {
      await requireToken(ctx, 'images upload');
      return ctx.api();
    },
    collection: opts.collection,
    files: paths,
    mapType: opts.mapType,
    modality: opts.modality,
    analysisLevel: opts.analysisLevel,
    name: opts.name,
    metaFile: opts.metaFile,
    metadata: parseKeyValues(opts.meta, '--meta'),
    skipExisting: opts.skipExisting,
    signal: ctx.signal,
    timeoutMs: ctx.globals.timeoutMs,
    onEvent: (e) => progress.event(e),
  });
  const { created, failure } = result;
  if (failure) progress.failed(failure.path);
  progress.stop();
  await present.list(created, UPLOADED, { limit: Infinity });
  if (!failure) return;
  if (!ctx.signal.aborted) {
    const at = failure;
    const where = at.total > 1 ? `file ${at.index + 1} of ${at.total}; ${created.length} uploaded, ${at.total - at.index - 1} not tried` : '';
    ctx.warn(`upload of ${at.path ?? 'a file'} failed${where ? ` (${where})` : ''}`);
  }
  throw failure.error;
}
