import { UsageError } from '../errors.js';
import { assertBucketName } from './bucket-name.js';

export interface S3Location {
  bucket: string;
  /** The key or prefix; '' for the bucket root. */
  key: string;
}

export type Endpoint = { kind: 's3'; loc: S3Location } | { kind: 'local'; path: string } | { kind: 'stream' };

export function isS3Uri(arg: string): boolean {
  return /^s3:\/\//i.test(arg);
}

/** `s3://bucket[/key]`; the bucket name is validated here, before any request. */
export function parseS3Uri(arg: string): S3Location {
  if (!isS3Uri(arg)) throw new UsageError(`"${arg}" is not an S3 URI: use s3://bucket/key`);
  const rest = arg.slice(5);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw new UsageError(`"${arg}" names no bucket: use s3://bucket/key`);
  assertBucketName(bucket);
  return { bucket, key };
}

export function parseEndpoint(arg: string): Endpoint {
  if (arg === '-') return { kind: 'stream' };
  if (isS3Uri(arg)) return { kind: 's3', loc: parseS3Uri(arg) };
  return { kind: 'local', path: arg };
}

export function formatS3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/** The last path component of a key (`a/b/c.nii.gz` → `c.nii.gz`). */
export function keyBasename(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
