import { lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CREATE_NEW_AT, FolderGuard, LinkedPath, tempNameFor } from '../util/no-follow.js';
import type { Readable } from 'node:stream';
import { S3AnswerError } from './errors.js';
import { etagOf, parseByteCount, quoteServerValue } from './server-values.js';
import type { TransportResponse } from '../http/transport.js';
import { forEachBounded } from './pool.js';
import type { TransferSettings } from './transfer.js';
import { noteBytesMoved } from '../runtime/v8-tuning.js';
import type { S3Location } from './uri.js';

export interface KnownObject {
  size: number;
  etag?: string;
}

/** The folders each run has made and checked, per destination folder (see FolderGuard). */
const guards = new WeakMap<TransferSettings, Map<string, FolderGuard>>();

function guardFor(s: TransferSettings, root: string): FolderGuard {
  let byRoot = guards.get(s);
  if (!byRoot) guards.set(s, (byRoot = new Map()));
  let guard = byRoot.get(root);
  if (!guard) byRoot.set(root, (guard = new FolderGuard(root)));
  return guard;
}

/**
 * An object to a local file. Written to a temporary `.<name>.<random>.nvpart` beside it and renamed
 * only when every byte is there, so the final name never holds a partial file, and no key of a
 * recursive copy can be another key's temporary name (a prefix holding both `x` and `x.part` is copied
 * faithfully). The temporary file is created O_EXCL|O_NOFOLLOW and renamed only while its name is still
 * that file; folders between `root` (the destination folder the user named; default: dest's own folder)
 * and the file must not be links (see util/no-follow.ts). Large objects come down as parallel ranged GETs written
 * at their offsets; when the size is unknown the first range doubles as the size probe (no HEAD).
 * Later ranges carry If-Match, so an object replaced mid-download fails instead of mixing versions.
 * Sizes the server claims are checked numbers and are never allocated from: ranges are made one at a
 * time, and the file must end up with exactly the claimed size, every byte of it received.
 */
export async function downloadFile(src: S3Location, dest: string, s: TransferSettings, known?: KnownObject, root = dirname(dest)): Promise<number> {
  await guardFor(s, root)
    .ensure(dirname(dest))
    .catch((err: unknown) => {
      throw err instanceof LinkedPath ? new S3AnswerError(err.message) : err;
    });
  const tmp = tempNameFor(dest);
  const fh = await open(tmp, CREATE_NEW_AT);
  let closed = false;
  try {
    let size: number;
    let etag = known?.etag;
    let next: number;
    if (known && known.size < s.threshold) {
      size = await s.slots.run(() => s.client.readObject(src.bucket, src.key, { okStatuses: [200] }, (res) => writeWhole(res, fh, known.size)));
      next = size;
    } else if (known) {
      size = known.size;
      next = 0;
    } else {
      const first = await s.slots.run(() =>
        s.client.readObject(src.bucket, src.key, { range: `bytes=0-${s.partSize - 1}`, okStatuses: [200, 206, 416] }, async (res) => {
          if (res.status === 416) {
            // Only an empty object cannot satisfy bytes=0-…; fetch it plainly.
            await res.body.dump();
            return { total: -1, written: 0, etag: undefined };
          }
          const total = res.status === 206 ? totalFromContentRange(res) : lengthOf(res);
          if (total === undefined) throw new S3AnswerError('the answer gives no valid object size');
          const written = await writeAt(res.body, fh, 0, s, res.status === 206 ? Math.min(s.partSize, total) : total);
          return { total, written, etag: etagOf(header(res, 'etag')) };
        }),
      );
      if (first.total === -1) {
        size = await s.slots.run(() => s.client.readObject(src.bucket, src.key, { okStatuses: [200] }, (res) => writeWhole(res, fh)));
        next = size;
      } else {
        size = first.total;
        next = first.written;
        etag = first.etag;
      }
    }
    await forEachBounded(
      ranges(next, size, s.partSize),
      s.slots,
      async ([start, end]) => {
        const written = await s.client.readObject(src.bucket, src.key, { range: `bytes=${start}-${end}`, ifMatch: etag, okStatuses: [200, 206] }, (res) => {
          if (res.status !== 206) throw new S3AnswerError(`the server ignored the range bytes=${start}-${end}`);
          return writeAt(res.body, fh, start, s, end - start + 1);
        });
        if (written !== end - start + 1) throw new S3AnswerError(`bytes ${start}-${end}: got ${written} bytes`);
      },
      s.signal,
    );
    const onDisk = await fh.stat();
    if (onDisk.size !== size) throw new S3AnswerError(`received ${onDisk.size} bytes of an object of ${size}`);
    await fh.close();
    closed = true;
    const named = await lstat(tmp);
    if (!named.isFile() || named.ino !== onDisk.ino || named.dev !== onDisk.dev) {
      throw new S3AnswerError(`${tmp} was replaced by another file while it was written; not renamed into place`);
    }
    await rename(tmp, dest);
    return size;
  } catch (err) {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }

  /** The whole object in one GET; `listed` is the size a listing gave, which the body must match too. */
  async function writeWhole(res: TransportResponse, handle: FileHandle, listed?: number): Promise<number> {
    // A retried attempt starts the file over.
    await handle.truncate(0);
    const declared = header(res, 'content-length');
    const length = lengthOf(res);
    if (declared !== undefined && length === undefined) {
      throw new S3AnswerError(`the Content-Length ${quoteServerValue(declared)} is no byte count`);
    }
    const n = await writeAt(res.body, handle, 0, s, listed ?? length ?? Number.POSITIVE_INFINITY);
    const expected = listed ?? length ?? n;
    if (n !== expected || (length !== undefined && n !== length)) {
      throw new S3AnswerError(`got ${n} of ${expected} bytes`);
    }
    return n;
  }
}

/** An object to a stream (stdout): one GET, written with backpressure. */
export async function downloadToStream(src: S3Location, out: NodeJS.WritableStream, s: TransferSettings): Promise<number> {
  const res = await s.slots.run(() => s.client.getObjectStream(src.bucket, src.key));
  let n = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (!out.write(chunk)) await drained(out);
      s.progress?.(chunk.length);
    }
  } finally {
    res.body.destroy();
  }
  return n;
}

// Socket chunks are gathered into one writev of ~256 KiB: few syscalls and thread-pool hops, and no
// concatenated copies (big short-lived buffers are what inflates RSS).
const WRITE_BATCH = 256 * 1024;

/** Writes the body at `offset`; more than `max` bytes is a broken answer, refused before it is written. */
async function writeAt(body: Readable, fh: FileHandle, offset: number, s: TransferSettings, max: number): Promise<number> {
  let pos = offset;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    let chunks = pending;
    let left = pendingBytes;
    pending = [];
    pendingBytes = 0;
    while (left > 0) {
      const { bytesWritten } = await fh.writev(chunks, pos);
      pos += bytesWritten;
      left -= bytesWritten;
      noteBytesMoved(bytesWritten);
      s.progress?.(bytesWritten);
      if (left > 0) chunks = remainder(chunks, bytesWritten);
    }
  };
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (pos - offset + pendingBytes + chunk.length > max) throw new S3AnswerError(`the server sent more than the ${max} bytes it announced`);
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= WRITE_BATCH) await flush();
  }
  await flush();
  return pos - offset;
}

/** What a short writev left unwritten. */
function remainder(chunks: Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const c of chunks) {
    if (written >= c.length) written -= c.length;
    else {
      rest.push(written > 0 ? c.subarray(written) : c);
      written = 0;
    }
  }
  return rest;
}

function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/** The byte ranges still to fetch, one at a time: never an array sized by what the server claims. */
function* ranges(from: number, size: number, partSize: number): Generator<[number, number]> {
  for (let start = from; start < size; start += partSize) yield [start, Math.min(size, start + partSize) - 1];
}

function totalFromContentRange(res: TransportResponse): number | undefined {
  const m = /\/\s*(\S+)\s*$/.exec(header(res, 'content-range') ?? '');
  return m ? parseByteCount(m[1]) : undefined;
}

function lengthOf(res: TransportResponse): number | undefined {
  return parseByteCount(header(res, 'content-length'));
}

function header(res: TransportResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

