import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { UsageError } from '../errors.js';
import { NIFTI_HEADER_BYTES, isGzip, niftiVersion, type NiftiVersion } from '../nifti.js';

const NIFTI1_HEADER_BYTES = 348;

/** A local file that passed the pre-upload checks. */
export interface CheckedFile {
  path: string;
  size: number;
  /** Already gzip-compressed (sent as is); otherwise it is gzipped before upload. */
  gzipped: boolean;
  version: NiftiVersion;
}

/**
 * Exists, is a readable regular file, is not empty, and starts with a NIfTI-1/2 header (after gunzip
 * when compressed). Decided by content, not by extension: a `.nii.gz` that is really plain, or an
 * HTML page saved under a NIfTI name, is caught here instead of as a server 500.
 */
export async function checkNiftiFile(path: string): Promise<CheckedFile> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not a NIfTI file`);
    if (!st.isFile()) throw new UsageError(`${path}: not a regular file`);
    size = st.size;
  } catch (err) {
    throw asUsage(path, err);
  }
  if (size === 0) throw new UsageError(`${path}: the file is empty`);
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size, NIFTI_HEADER_BYTES));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw asUsage(path, err);
  }
  const gzipped = isGzip(head);
  const header = gzipped ? await gunzipHead(path, NIFTI_HEADER_BYTES) : head;
  const version = niftiVersion(header);
  if (!version) {
    throw new UsageError(
      `${path}: not a NIfTI image (no NIfTI-1/NIfTI-2 header${gzipped ? ' after gunzip' : ''})`,
      { hint: 'NeuroVault statistic maps are NIfTI volumes (.nii.gz, or .nii which is gzipped before upload)' },
    );
  }
  return { path, size, gzipped, version };
}

/**
 * The first `bytes` of the decompressed stream. Streams rather than inflating a fixed slice: deflate
 * can expand ~1000×, so a slice of a mostly-zero volume could inflate to many MiB.
 */
async function gunzipHead(path: string, bytes: number): Promise<Buffer> {
  const source = createReadStream(path, { highWaterMark: 16 * 1024 });
  const gunzip = createGunzip({ chunkSize: 16 * 1024 });
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  const chunks: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of gunzip) {
      chunks.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= bytes) break;
    }
  } catch (err) {
    // A NIfTI-1 header is 348 bytes: an error after those is for the server's full read to judge.
    if (have < NIFTI1_HEADER_BYTES) {
      throw new UsageError(`${path}: corrupt gzip data (${(err as Error).message})`);
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

function asUsage(path: string, err: unknown): Error {
  if (err instanceof UsageError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new UsageError(`${path}: no such file`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`${path}: not readable (permission denied)`);
    case 'EISDIR':
      return new UsageError(`${path}: is a directory, not a NIfTI file`);
    default:
      return new UsageError(`${path}: cannot read (${code ?? (err as Error).message})`);
  }
}
