import { forEachBounded } from './pool.js';
import { MAX_COPY_SIZE, partSizeFor, type TransferSettings } from './transfer.js';
import type { S3Location } from './uri.js';
import type { CompletedPart } from './client.js';

export interface CopyOptions {
  /** Size when a listing already told it; otherwise a HEAD asks only if the object is too big for one copy. */
  size?: number;
  /** Replacement Content-Type etc.; when set, metadata is replaced rather than copied. */
  headers: Record<string, string>;
  replaceMetadata: boolean;
}

/**
 * S3 to S3 without the bytes passing through this machine: CopyObject up to 5 GiB, UploadPartCopy
 * ranges above (where the source's type and metadata must be carried over by hand).
 */
export async function copyObject(src: S3Location, dst: S3Location, s: TransferSettings, opts: CopyOptions): Promise<number | undefined> {
  if (opts.size === undefined || opts.size <= MAX_COPY_SIZE) {
    try {
      const headers = opts.replaceMetadata ? { ...opts.headers, 'x-amz-metadata-directive': 'REPLACE' } : opts.headers;
      await s.slots.run(() => s.client.copyObject({ from: src, ...dst, headers }));
      if (opts.size !== undefined) s.progress?.(opts.size);
      return opts.size;
    } catch (err) {
      // Only an object over 5 GiB of unknown size gets here with InvalidRequest; anything else is real.
      if (opts.size !== undefined || (err as { code?: string }).code !== 'InvalidRequest') throw err;
    }
  }
  const head = await s.slots.run(() => s.client.headObject(src.bucket, src.key));
  const size = head.size;
  const partSize = partSizeFor(size, Math.max(s.partSize, 64 * 1024 ** 2));
  const createHeaders: Record<string, string> = {};
  if (head.contentType) createHeaders['content-type'] = head.contentType;
  Object.assign(createHeaders, opts.headers);
  const uploadId = await s.slots.run(() => s.client.createMultipartUpload({ ...dst, headers: createHeaders }));
  const parts: CompletedPart[] = [];
  try {
    const numbers = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i + 1);
    await forEachBounded(
      numbers,
      s.slots,
      async (partNumber) => {
        const start = (partNumber - 1) * partSize;
        const end = Math.min(size, start + partSize) - 1;
        const etag = await s.client.uploadPartCopy({ from: src, ...dst, uploadId, partNumber, range: `bytes=${start}-${end}` });
        parts.push({ partNumber, etag });
        s.progress?.(end - start + 1);
      },
      s.signal,
    );
    await s.slots.run(() => s.client.completeMultipartUpload(dst.bucket, dst.key, uploadId, parts));
  } catch (err) {
    await s.client.abortMultipartUpload(dst.bucket, dst.key, uploadId).catch((abortErr: Error) => s.log?.(`could not abort ${uploadId}: ${abortErr.message}`));
    throw err;
  }
  return size;
}
