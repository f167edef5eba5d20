import { UsageError } from '../errors.js';
import { s3Failure } from './errors.js';
import { openS3Session, type S3SessionOptions } from './session.js';
import { parseS3Uri } from './uri.js';

/** `s3 mb s3://bucket`: creates the bucket (in the session's region). */
export async function makeBucket(s3: S3SessionOptions, uri: string): Promise<{ action: 'make_bucket'; bucket: string }> {
  const loc = parseS3Uri(uri);
  if (loc.key.replace(/\/+$/, '') !== '') throw new UsageError(`mb takes a bucket, not an object: s3://${loc.bucket}`);
  const { client, fc, close } = await openS3Session({ ...s3, bucket: loc.bucket });
  try {
    await client.createBucket(loc.bucket);
  } catch (err) {
    throw s3Failure(`make_bucket failed: s3://${loc.bucket}`, err, fc);
  } finally {
    await close();
  }
  return { action: 'make_bucket', bucket: loc.bucket };
}
