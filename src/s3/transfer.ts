import type { ChecksumAlgorithm } from './checksum.js';
import type { S3Client } from './client.js';
import type { Semaphore } from './pool.js';

/** S3's multipart limits: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10 000 of them. */
export const MIN_PART_SIZE = 5 * 1024 ** 2;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
/** The largest object CopyObject copies in one request. */
export const MAX_COPY_SIZE = 5 * 1024 ** 3;

/** What every transfer of one run shares: the client, the request bound and the sizes. */
export interface TransferSettings {
  client: S3Client;
  /** Requests in flight across all files and parts (--concurrency). */
  slots: Semaphore;
  /** Objects of this size or more go multipart (uploads) or ranged (downloads). */
  threshold: number;
  partSize: number;
  checksum: ChecksumAlgorithm;
  signal: AbortSignal;
  /** Bytes finished, for the progress line. */
  progress?: (bytes: number) => void;
  /** Notices that are not failures (e.g. an Abort the server refused), for the -v log. */
  log?: (line: string) => void;
}

/** Parts big enough that the object fits in S3's 10 000. */
export function partSizeFor(size: number, preferred: number): number {
  return Math.max(preferred, Math.ceil(size / MAX_PARTS));
}
