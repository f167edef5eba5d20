import { UsageError } from '../errors.js';
import type { BucketSummary } from './client.js';
import { s3Failure } from './errors.js';
import { openS3Session, type S3SessionOptions } from './session.js';
import { formatS3Uri, parseS3Uri } from './uri.js';

export type S3ListRecord =
  | { type: 'prefix'; key: string }
  | { type: 'object'; key: string; size: number; last_modified: string; etag: string | undefined; storage_class: string | undefined };

/** `s3 ls` without a URI: the buckets of the credentials. */
export async function listBuckets(s3: S3SessionOptions): Promise<BucketSummary[]> {
  const { client, fc, close } = await openS3Session(s3);
  try {
    return await client.listBuckets();
  } catch (err) {
    throw s3Failure('ls failed', err, fc);
  } finally {
    await close();
  }
}

/**
 * `s3 ls s3://bucket/prefix`: the objects under a prefix and (unless `recursive`) its sub-prefixes, page by
 * page as the server sends them. The session opens before the first record; errors say `ls failed: <uri>`.
 */
export async function listObjects(
  s3: S3SessionOptions,
  uri: string,
  opts: { recursive?: boolean; pageSize?: number } = {},
): Promise<AsyncGenerator<S3ListRecord>> {
  const loc = parseS3Uri(uri);
  if (opts.pageSize !== undefined && !(Number.isInteger(opts.pageSize) && opts.pageSize >= 1 && opts.pageSize <= 1000)) {
    throw new UsageError(`invalid page size ${opts.pageSize}: from 1 to 1000`);
  }
  const { client, fc, close } = await openS3Session({ ...s3, bucket: loc.bucket });
  const pages = client.listAll({ bucket: loc.bucket, prefix: loc.key, delimiter: opts.recursive ? undefined : '/', pageSize: opts.pageSize });
  return (async function* records(): AsyncGenerator<S3ListRecord> {
    try {
      for await (const page of pages) {
        for (const p of page.prefixes) yield { type: 'prefix', key: p };
        for (const o of page.objects) {
          yield { type: 'object', key: o.key, size: o.size, last_modified: o.lastModified, etag: o.etag, storage_class: o.storageClass };
        }
      }
    } catch (err) {
      throw s3Failure(`ls failed: ${formatS3Uri(loc)}`, err, fc);
    } finally {
      await close();
    }
  })();
}
