import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * Per-request integrity. CRC32 (zlib, ~3 GiB/s) is the default: S3 checks `x-amz-checksum-crc32` on
 * PutObject/UploadPart and the header is signed even when the payload is not. MD5 (`Content-MD5`, ~600
 * MiB/s) is for S3-compatible servers that predate the checksum headers.
 */
export type ChecksumAlgorithm = 'crc32' | 'md5' | 'none';

export interface Checksummer {
  update(chunk: Uint8Array): void;
  /** The request headers that carry the checksum. */
  headers(): Record<string, string>;
  /** base64 CRC32 for the part list of CompleteMultipartUpload. */
  crc32?: () => string;
}

export function checksummer(algorithm: ChecksumAlgorithm): Checksummer {
  if (algorithm === 'crc32') {
    let value = 0;
    const b64 = () => {
      const buf = Buffer.allocUnsafe(4);
      buf.writeUInt32BE(value >>> 0);
      return buf.toString('base64');
    };
    return {
      update: (chunk) => {
        value = crc32(chunk, value);
      },
      headers: () => ({ 'x-amz-checksum-crc32': b64() }),
      crc32: b64,
    };
  }
  if (algorithm === 'md5') {
    const hash = createHash('md5');
    let digest: string | undefined;
    return {
      update: (chunk) => void hash.update(chunk),
      headers: () => ({ 'content-md5': (digest ??= hash.digest('base64')) }),
    };
  }
  return { update: () => undefined, headers: () => ({}) };
}

export function checksumOfBuffer(algorithm: ChecksumAlgorithm, data: Uint8Array): Checksummer {
  const c = checksummer(algorithm);
  c.update(data);
  return c;
}

/**
 * First pass over a byte range of a file, so the part can then be streamed from disk instead of held in
 * memory; the range is in the page cache by the time the upload reads it again.
 */
export async function checksumOfFileRange(algorithm: ChecksumAlgorithm, path: string, start: number, length: number): Promise<Checksummer> {
  const c = checksummer(algorithm);
  if (algorithm === 'none' || length === 0) return c;
  const fh = await open(path, 'r');
  const buf = spareBuffers.pop() ?? Buffer.allocUnsafeSlow(SCAN_BUFFER);
  try {
    for (let done = 0; done < length; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - done), start + done);
      if (bytesRead === 0) throw new Error(`${path} shrank while being uploaded`);
      c.update(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    spareBuffers.push(buf);
    await fh.close();
  }
  return c;
}

// The scan buffers never leave this module, so they are reused: a 200 MiB upload would otherwise churn
// 200 MiB of short-lived buffers, which shows up as RSS long before the GC returns it.
const SCAN_BUFFER = 256 * 1024;
const spareBuffers: Buffer[] = [];
