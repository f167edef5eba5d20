import { createHash, type Hash } from 'node:crypto';
import { constants as zlibConstants, createGunzip, gunzipSync, type Gunzip, type ZlibOptions } from 'node:zlib';
import { NIFTI_HEADER_BYTES, isGzip, niftiVersion } from '../nifti.js';

/** What a file must satisfy before it is renamed into place; every field is optional knowledge. */
export interface Expectations {
  /** Layout extension (`.nii.gz`, `.nii`, `.gii`, …): decides the content check. */
  ext: string;
  /** `file_size` when the server knows it (> 0). */
  bytes?: number;
  /** From a lock under `--frozen`. */
  sha256?: string;
}

/** A body that arrived but must not be kept: retried from byte 0, then reported. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    /** A short body (truncation) is a transport problem; the rest are content problems. */
    readonly kind: 'size' | 'content' | 'sha256' = 'content',
  ) {
    super(message);
    this.name = 'CheckFailure';
  }
}

const HEAD_BYTES = 16 * 1024;

/**
 * Sees every byte of one file once, as it streams: counts, hashes and keeps the first few KiB for the
 * content check, so nothing is read back from disk after the download. For a gzip extension it also
 * inflates the whole stream as it passes (see GzipStreamCheck).
 */
export class ContentObserver {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private readonly gzip?: GzipStreamCheck;

  /** `ext`: the layout extension; any `*.gz` gets the whole-stream gzip check. */
  constructor(ext?: string) {
    if (ext?.endsWith('.gz')) this.gzip = new GzipStreamCheck();
  }

  /** The gzip check failed already: the rest of the body need not be read. */
  get failure(): CheckFailure | undefined {
    return this.gzip?.failure;
  }

  /** The inflater is behind by more than its buffer: pause the source until `drained()`. */
  get saturated(): boolean {
    return this.gzip?.saturated ?? false;
  }

  drained(): Promise<void> {
    return this.gzip?.drained() ?? Promise.resolve();
  }

  /** After the last chunk: waits for the inflater, throws CheckFailure when the stream is corrupt. */
  async settle(): Promise<void> {
    await this.gzip?.end();
  }

  /** Releases the inflater of an attempt that failed. */
  dispose(): void {
    this.gzip?.destroy();
  }

  observe(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.gzip?.write(chunk);
    if (this.headLength < HEAD_BYTES) {
      const part = chunk.length + this.headLength > HEAD_BYTES ? chunk.subarray(0, HEAD_BYTES - this.headLength) : chunk;
      // A copy: undici may reuse nothing today, but a kept slice would pin the whole chunk.
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
  }

  head(): Buffer {
    return this.headChunks.length === 1 ? this.headChunks[0]! : Buffer.concat(this.headChunks);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

/** `text/html` is never a neuroimaging file, whatever the extension says. */
export function htmlContentType(contentType: string | string[] | undefined): boolean {
  const ct = (Array.isArray(contentType) ? contentType[0] : contentType) ?? '';
  return /^\s*(text\/html|application\/xhtml)/i.test(ct);
}

/** Checks the content of a complete file from its first bytes; throws CheckFailure. */
export function checkContent(head: Buffer, ext: string): void {
  if (startsLikeHtml(head)) throw new CheckFailure('got an HTML page instead of the file');
  if (ext === '.nii.gz') {
    if (!isGzip(head)) throw new CheckFailure('not gzip data (a .nii.gz must start with 1f 8b)');
    const header = inflateHead(head);
    if (header === undefined) throw new CheckFailure('corrupt gzip data at the start of the file');
    if (!niftiVersion(header)) throw new CheckFailure('the decompressed data has no NIfTI-1/2 header');
  } else if (ext === '.nii') {
    if (!niftiVersion(head)) throw new CheckFailure('no NIfTI-1/2 header at the start of the file');
  }
}

/** The size and digest checks that need the whole body. */
export function checkComplete(observer: ContentObserver, expect: Expectations, sha256: string): void {
  if (expect.bytes !== undefined && observer.bytes !== expect.bytes) {
    throw new CheckFailure(`got ${observer.bytes} bytes, the server's file_size says ${expect.bytes}`, 'size');
  }
  if (observer.bytes === 0) throw new CheckFailure('the server sent an empty file', 'size');
  checkContent(observer.head(), expect.ext);
  if (expect.sha256 !== undefined && sha256 !== expect.sha256) {
    throw new CheckFailure(`sha256 ${sha256} differs from the lock's ${expect.sha256}`, 'sha256');
  }
}

/** Compressed bytes the inflater may hold before the source is paused: bounds memory per file. */
const GZIP_BACKLOG = 1024 * 1024;

/**
 * Inflates a gzip stream as it arrives and throws the output away, so zlib checks every deflate block
 * and the CRC32/ISIZE trailer of each member (a file spliced from two versions, or cut and padded, fails
 * here even when its first KiB look right). Memory is constant: the output is not kept and the input
 * backlog is bounded by GZIP_BACKLOG; the inflating runs on the thread pool, off the main thread.
 */
class GzipStreamCheck {
  failure?: CheckFailure;
  private readonly z: Gunzip;
  private finished = false;

  constructor() {
    // zlib streams pass stream options on to their Transform; @types/node leaves them out of ZlibOptions.
    this.z = createGunzip({ chunkSize: 64 * 1024, writableHighWaterMark: GZIP_BACKLOG } as ZlibOptions);
    this.z.on('data', () => undefined);
    this.z.on('error', (err: Error) => {
      this.failure ??= new CheckFailure(`corrupt gzip data: ${err.message}`);
    });
    this.z.on('end', () => {
      this.finished = true;
    });
  }

  get saturated(): boolean {
    return this.failure === undefined && this.z.writableNeedDrain;
  }

  drained(): Promise<void> {
    if (!this.saturated) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.z.off('drain', done);
        this.z.off('close', done);
        resolve();
      };
      this.z.on('drain', done);
      this.z.on('close', done);
    });
  }

  write(chunk: Buffer): void {
    // After the end of the stream or a failure, further bytes prove nothing more.
    if (this.failure === undefined && !this.finished && !this.z.writableEnded) this.z.write(chunk);
  }

  end(): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = () => (this.failure ? reject(this.failure) : resolve());
      if (this.failure || this.z.destroyed) return settle();
      if (this.finished) return resolve();
      this.z.once('end', settle);
      this.z.once('close', settle);
      if (!this.z.writableEnded) this.z.end();
    });
  }

  destroy(): void {
    this.z.destroy();
  }
}

/**
 * Decompresses just enough of a gzip stream for the NIfTI header. Inputs grow step by step because a
 * highly compressible volume can expand a thousandfold: a 512-byte prefix usually suffices, and never
 * costs more than about half a MiB of output.
 */
function inflateHead(head: Buffer): Buffer | undefined {
  for (const size of [512, 2048, HEAD_BYTES]) {
    const input = head.subarray(0, size);
    let out: Buffer;
    try {
      out = gunzipSync(input, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return undefined;
    }
    if (out.length >= NIFTI_HEADER_BYTES || input.length === head.length) return out;
  }
  return undefined;
}

/**
 * Like nifti.ts's looksLikeHtml, but an XML prolog is allowed: GIfTI files are XML. Skips a BOM and
 * leading white space.
 */
function startsLikeHtml(head: Buffer): boolean {
  const text = head.toString('latin1', 0, Math.min(head.length, 256)).replace(/^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  return text.startsWith('<!doctype html') || text.startsWith('<html') || text.startsWith('<head') || text.startsWith('<body');
}
