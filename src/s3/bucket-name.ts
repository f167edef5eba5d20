import { UsageError } from '../errors.js';

/**
 * S3's bucket naming rules, checked before any request so a typo costs no round trip (exit 2).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `must be 3 to 63 characters long (it has ${name.length})`;
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may hold only lower-case letters, digits, "." and "-"';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address';
  return undefined;
}

export function assertBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) {
    throw new UsageError(`invalid bucket name "${name}": a bucket name ${problem}`, {
      hint: 'bucket names are 3-63 characters of a-z, 0-9, "." and "-", e.g. s3://my-training-data',
    });
  }
}
