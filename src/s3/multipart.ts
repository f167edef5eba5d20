import { createReadStream, readFileSync } from 'node:fs';
import type { RequestBody } from '../http/transport.js';
import type { S3Location } from './uri.js';
import { checksumOfBuffer, checksumOfFileRange, type Checksummer } from './checksum.js';
import type { CompletedPart } from './client.js';
import { forEachBounded } from './pool.js';
import { noteBytesMoved } from '../runtime/v8-tuning.js';
import { MAX_PARTS, partSizeFor, type TransferSettings } from './transfer.js';
import { untilAborted } from '../util/abortable-read.js';

// Small files are read whole (one read, one request); bigger ones stream from disk so memory stays flat.
const READ_WHOLE_BELOW = 1024 * 1024;
const STREAM_CHUNK = 64 * 1024;

/** A local file to S3: one PutObject below the threshold, else parts read by offset from the file. */
export async function uploadFile(path: string, size: number, dst: S3Location, headers: Record<string, string>, s: TransferSettings): Promise<void> {
  if (size >= s.threshold && size > 0) {
    await uploadFileMultipart(path, size, dst, headers, s);
    return;
  }
  await s.slots.run(async () => {
    if (size < READ_WHOLE_BELOW) {
      // Synchronous on purpose: a small cached file is read in microseconds, while the async path costs
      // four thread-pool round trips (open, fstat, read, close) per file, which is what limits a
      // recursive upload of many small files.
      const data = readFileSync(path);
      await s.client.putObject({ ...dst, body: () => data, length: data.length, headers: { ...headers, ...checksumOfBuffer(s.checksum, data).headers() } });
      s.progress?.(data.length);
      return;
    }
    const sum = await checksumOfFileRange(s.checksum, path, 0, size);
    await s.client.putObject({ ...dst, body: () => fileRange(path, 0, size), length: size, headers: { ...headers, ...sum.headers() } });
    s.progress?.(size);
  });
}

async function uploadFileMultipart(path: string, size: number, dst: S3Location, headers: Record<string, string>, s: TransferSettings): Promise<void> {
  const partSize = partSizeFor(size, s.partSize);
  const count = Math.ceil(size / partSize);
  await multipartUpload(dst, headers, s, async (uploadPart) => {
    const numbers = Array.from({ length: count }, (_, i) => i + 1);
    await forEachBounded(
      numbers,
      s.slots,
      async (n) => {
        const start = (n - 1) * partSize;
        const length = Math.min(partSize, size - start);
        const sum = await checksumOfFileRange(s.checksum, path, start, length);
        await uploadPart(n, () => fileRange(path, start, length), length, sum);
      },
      s.signal,
    );
  });
}

/**
 * stdin (or any stream of unknown length) to S3. Chunks are buffered because a pipe cannot be read
 * twice, so memory is bounded by --concurrency × part size; a stream shorter than one part is a
 * single PutObject. Returns the byte count.
 */
export async function uploadStream(input: AsyncIterable<Uint8Array>, dst: S3Location, headers: Record<string, string>, s: TransferSettings): Promise<number> {
  const chunks = chunker(input, s.partSize, s.signal)[Symbol.asyncIterator]();
  const first = await chunks.next();
  const firstChunk = first.done ? Buffer.alloc(0) : first.value;
  const second = firstChunk.length < s.partSize ? { done: true as const, value: undefined } : await chunks.next();
  if (second.done) {
    await s.slots.run(() =>
      s.client.putObject({ ...dst, body: () => firstChunk, length: firstChunk.length, headers: { ...headers, ...checksumOfBuffer(s.checksum, firstChunk).headers() } }),
    );
    s.progress?.(firstChunk.length);
    return firstChunk.length;
  }
  let total = 0;
  async function* all(): AsyncGenerator<Buffer> {
    yield firstChunk;
    yield second.value!;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  await multipartUpload(dst, headers, s, async (uploadPart) => {
    let n = 0;
    await forEachBounded(
      all(),
      s.slots,
      async (chunk) => {
        const partNumber = ++n;
        if (partNumber > MAX_PARTS) throw new Error(`the stream needs more than ${MAX_PARTS} parts; raise --part-size`);
        total += chunk.length;
        await uploadPart(partNumber, () => chunk, chunk.length, checksumOfBuffer(s.checksum, chunk));
      },
      s.signal,
    );
  });
  return total;
}

type PartUploader = (partNumber: number, body: () => RequestBody, length: number, sum: Checksummer) => Promise<void>;

/**
 * Create → parts → Complete; on any failure the upload is aborted so no orphaned parts are billed.
 * The Abort's own failure (s3rver answers 405) is logged, never allowed to hide the real error.
 */
async function multipartUpload(dst: S3Location, headers: Record<string, string>, s: TransferSettings, sendParts: (upload: PartUploader) => Promise<void>): Promise<void> {
  const createHeaders = s.checksum === 'crc32' ? { ...headers, 'x-amz-checksum-algorithm': 'CRC32' } : headers;
  const uploadId = await s.slots.run(() => s.client.createMultipartUpload({ ...dst, headers: createHeaders }));
  const parts: CompletedPart[] = [];
  try {
    await sendParts(async (partNumber, body, length, sum) => {
      const etag = await s.client.uploadPart({
        ...dst,
        uploadId,
        partNumber,
        body,
        length,
        headers: sum.headers(),
      });
      parts.push({ partNumber, etag, crc32: sum.crc32?.() });
      s.progress?.(length);
    });
    await s.slots.run(() => s.client.completeMultipartUpload(dst.bucket, dst.key, uploadId, parts));
  } catch (err) {
    try {
      await s.client.abortMultipartUpload(dst.bucket, dst.key, uploadId);
    } catch (abortErr) {
      s.log?.(`could not abort multipart upload ${uploadId} of s3://${dst.bucket}/${dst.key}: ${(abortErr as Error).message}`);
    }
    throw err;
  }
}

function fileRange(path: string, start: number, length: number): RequestBody {
  return length === 0 ? Buffer.alloc(0) : counted(createReadStream(path, { start, end: start + length - 1, highWaterMark: STREAM_CHUNK }));
}

async function* counted(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    noteBytesMoved(chunk.length);
    yield chunk;
  }
}

/** Fixed-size chunks out of a stream; the last one may be shorter. Reading ends on `signal` too. */
async function* chunker(input: AsyncIterable<Uint8Array>, size: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let buf = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const piece of untilAborted(input, signal)) {
    let offset = 0;
    while (offset < piece.length) {
      const n = Math.min(size - filled, piece.length - offset);
      buf.set(piece.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield buf;
        buf = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buf.subarray(0, filled);
}
