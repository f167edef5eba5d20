import { createHash } from 'node:crypto';
import type { Sink, StageOptions, StagedFile } from '../download/sink.js';
import { HttpError } from '../http/errors.js';
import { checksumOfBuffer } from './checksum.js';
import type { CompletedPart, S3Client } from './client.js';
import { s3Failure, type FailureContext } from './errors.js';
import { guessContentType } from './mime.js';
import { openS3Session, type S3SessionOptions } from './session.js';
import { backoffDelay } from '../http/retry-policy.js';
import { parseS3Uri } from './uri.js';
import { etagOf } from './server-values.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Files up to this size are held in memory and sent as one PutObject; bigger ones go up in parts this size. */
const PART_SIZE = 8 * 1024 * 1024;
/** The sha256 the sink stored with each committed file, so a re-run can verify it with one HEAD. */
const SHA256_META = 'sha256';
const CONDITIONAL_ATTEMPTS = 8;

/**
 * `neurovault download --out s3://bucket/prefix`: the download layout and manifest go straight into S3,
 * nothing touches the local disk. Loaded by src/download/open-sink.ts for the `s3://` scheme.
 */
export async function createSink(out: string, s3: S3SessionOptions): Promise<Sink> {
  const loc = parseS3Uri(out);
  const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
  const { client, fc, close } = await openS3Session({ ...s3, bucket: loc.bucket });
  return new S3Sink(client, loc.bucket, prefix, fc, close);
}

/**
 * A Sink over one bucket prefix. A file is staged in memory (or, past 8 MiB, as a multipart upload whose
 * parts go up while the download continues) and becomes visible only at commit: S3 publishes an object
 * atomically when its PutObject or CompleteMultipartUpload succeeds, so a failed check never leaves a
 * bad object under the final key, and a discarded file costs an Abort. There is no resume across runs
 * (`keptBytes` is always 0): an interrupted file is fetched again from byte 0.
 * Memory: at most one part (8 MiB) per download worker.
 */
export class S3Sink implements Sink {
  readonly location: string;
  /** Serialises updateText per key inside this process; across processes S3's conditional writes do. */
  private readonly updates = new Map<string, Promise<void>>();

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly fc: FailureContext,
    /** Ends the session's transport when the sink made it. */
    private readonly onClose: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.location = `s3://${bucket}/${prefix}`;
  }

  close(): Promise<void> {
    return this.onClose();
  }

  key(path: string): string {
    if (path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '..' || s === '.' || s === '')) {
      throw new Error(`refusing unsafe path "${path}"`);
    }
    return this.prefix + path;
  }

  async readText(path: string): Promise<string | undefined> {
    return (await this.readWithEtag(path))?.text;
  }

  async writeText(path: string, text: string): Promise<void> {
    await this.putText(path, text, {});
  }

  async updateText(path: string, change: (current: string | undefined) => string): Promise<void> {
    const previous = this.updates.get(path) ?? Promise.resolve();
    const run = previous.then(() => this.updateOnce(path, change));
    const settled = run.catch(() => undefined);
    this.updates.set(path, settled);
    try {
      await run;
    } finally {
      if (this.updates.get(path) === settled) this.updates.delete(path);
    }
  }

  /**
   * Read, change, then write only if nobody wrote in between (If-Match / If-None-Match), else again:
   * shards of one download may share a prefix. Servers without conditional writes ignore the headers.
   */
  private async updateOnce(path: string, change: (current: string | undefined) => string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.readWithEtag(path);
      const condition: Record<string, string> = current?.etag ? { 'if-match': `"${current.etag}"` } : current ? {} : { 'if-none-match': '*' };
      try {
        await this.putText(path, change(current?.text), condition, true);
        return;
      } catch (err) {
        const conflict = err instanceof HttpError && (err.status === 412 || err.status === 409);
        if (!conflict || attempt >= CONDITIONAL_ATTEMPTS) throw this.failure(`update ${path}`, err);
        await sleep(backoffDelay(attempt, { baseMs: 40, maxMs: 400 }));
      }
    }
  }

  async digest(path: string): Promise<{ bytes: number; sha256: string } | undefined> {
    const key = this.key(path);
    let head;
    try {
      head = await this.client.headObject(this.bucket, key);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw this.failure(`check ${path}`, err);
    }
    const stored = head.metadata[SHA256_META];
    if (stored && /^[0-9a-f]{64}$/.test(stored)) return { bytes: head.size, sha256: stored };
    // Not written by this sink: hash the bytes themselves, as the local sink does.
    try {
      return await this.client.readObject(this.bucket, key, { okStatuses: [200] }, async (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          hash.update(chunk);
          bytes += chunk.length;
        }
        return { bytes, sha256: hash.digest('hex') };
      });
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return undefined;
      throw this.failure(`check ${path}`, err);
    }
  }

  async stage(path: string, _options: StageOptions): Promise<StagedFile> {
    return new S3StagedFile(this.client, this.bucket, this.key(path), path, (action, err) => this.failure(action, err));
  }

  /** S3 failures as one-line CLI errors naming the destination. */
  private failure(action: string, err: unknown): Error {
    return s3Failure(`${action} (${this.location})`, err, this.fc);
  }

  private async readWithEtag(path: string): Promise<{ text: string; etag?: string } | undefined> {
    try {
      return await this.client.readObject(this.bucket, this.key(path), { okStatuses: [200] }, async (res) => {
        const etag = res.headers.etag;
        return { text: await res.body.text(), etag: typeof etag === 'string' ? etagOf(etag) : undefined };
      });
    } catch (err) {
      // A missing object is "absent"; a missing bucket (also 404) is an error worth stopping for.
      if (err instanceof HttpError && err.status === 404 && err.code !== 'NoSuchBucket') return undefined;
      throw this.failure(`read ${path}`, err);
    }
  }

  private async putText(path: string, text: string, condition: Record<string, string>, rethrowRaw = false): Promise<void> {
    const data = Buffer.from(text, 'utf8');
    const type = path.endsWith('.jsonl') ? 'application/x-ndjson' : (guessContentType(path) ?? 'text/plain');
    try {
      await this.client.putObject({
        bucket: this.bucket,
        key: this.key(path),
        body: () => data,
        length: data.length,
        headers: { 'content-type': type, ...condition, ...checksumOfBuffer('crc32', data).headers() },
      });
    } catch (err) {
      if (rethrowRaw) throw err;
      throw this.failure(`write ${path}`, err);
    }
  }
}

class S3StagedFile implements StagedFile {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private hash = createHash('sha256');
  private bytes = 0;
  private upload?: { id: string; parts: CompletedPart[] };

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly path: string,
    private readonly failure: (action: string, err: unknown) => Error,
  ) {}

  get keptBytes(): number {
    return 0;
  }

  async *readKept(): AsyncIterable<Buffer> {
    // Nothing is kept: see S3Sink.
  }

  async append(body: AsyncIterable<Buffer>): Promise<void> {
    // keptBytes is 0, so every append is a fresh start (the engine retries a broken body from byte 0).
    await this.reset();
    for await (const chunk of body) {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      // Awaiting the part here slows the download to S3's pace, so memory stays at one part.
      if (this.buffered >= PART_SIZE) await this.sendPart(this.take(PART_SIZE));
    }
  }

  async reset(): Promise<void> {
    await this.abort();
    this.chunks = [];
    this.buffered = 0;
    this.hash = createHash('sha256');
    this.bytes = 0;
  }

  async commit(): Promise<void> {
    const { s3, bucket } = this;
    const contentType = guessContentType(this.path);
    try {
      if (!this.upload) {
        const data = this.take(this.buffered);
        await s3.putObject({
          bucket,
          key: this.key,
          body: () => data,
          length: data.length,
          headers: {
            ...(contentType ? { 'content-type': contentType } : {}),
            [`x-amz-meta-${SHA256_META}`]: this.hash.digest('hex'),
            ...checksumOfBuffer('crc32', data).headers(),
          },
        });
      } else {
        if (this.buffered > 0 || this.upload.parts.length === 0) await this.sendPart(this.take(this.buffered));
        await s3.completeMultipartUpload(bucket, this.key, this.upload.id, this.upload.parts);
        this.upload = undefined;
      }
    } catch (err) {
      await this.abort();
      throw this.failure(`upload ${this.path}`, err);
    }
    this.chunks = [];
    this.buffered = 0;
  }

  async suspend(): Promise<void> {
    await this.reset();
  }

  async discard(): Promise<void> {
    await this.reset();
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return head;
  }

  private async sendPart(data: Buffer): Promise<void> {
    const { s3, bucket } = this;
    try {
      if (!this.upload) {
        const contentType = guessContentType(this.path);
        const id = await s3.createMultipartUpload({
          bucket,
          key: this.key,
          headers: { ...(contentType ? { 'content-type': contentType } : {}), 'x-amz-checksum-algorithm': 'CRC32' },
        });
        this.upload = { id, parts: [] };
      }
      const sum = checksumOfBuffer('crc32', data);
      const partNumber = this.upload.parts.length + 1;
      const etag = await s3.uploadPart({ bucket, key: this.key, uploadId: this.upload.id, partNumber, body: () => data, length: data.length, headers: sum.headers() });
      this.upload.parts.push({ partNumber, etag, crc32: sum.crc32?.() });
    } catch (err) {
      await this.abort();
      throw this.failure(`upload ${this.path}`, err);
    }
  }

  private async abort(): Promise<void> {
    const upload = this.upload;
    this.upload = undefined;
    if (upload) await this.s3.abortMultipartUpload(this.bucket, this.key, upload.id).catch(() => undefined);
  }
}
