import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Plain `.nii` files are gzipped into a private temp directory before upload, rather than compressed
 * inside the request body, because:
 * - the server opens every upload with GzipFile, so the bytes must be gzip (API.md §7.2);
 * - a file on disk has a known size, so the request carries Content-Length (no chunked upload for
 *   nginx/gunicorn to buffer or refuse) and `--skip-existing` can compare it with the server's
 *   `file_size`;
 * - a retry re-opens the same bytes, and memory stays flat (zlib streams through 64 KiB chunks).
 * The cost is one compressed copy on local disk while that file uploads.
 */
export class GzipScratch {
  private dir?: string;

  /** Compresses `path` to `<scratch>/<name>.nii.gz`; returns the new path and its size. */
  async gzip(path: string, signal?: AbortSignal): Promise<{ path: string; size: number }> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'neurovault-upload-'));
    const target = join(this.dir, `${basename(path)}.gz`);
    // Level 6 is zlib's default: deterministic for the same input, so a re-run produces the same size.
    await pipeline(createReadStream(path), createGzip({ level: 6 }), createWriteStream(target, { mode: 0o600 }), {
      signal,
    });
    return { path: target, size: (await stat(target)).size };
  }

  /** Drops one compressed copy as soon as its upload is done, so a batch never holds more than one. */
  async release(path: string): Promise<void> {
    if (this.dir && path.startsWith(this.dir)) await rm(path, { force: true });
  }

  async dispose(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
