import type { Context } from '../cli/context.js';
import type { UploadEvent } from '../upload/upload-images.js';
import { TransferBar } from './progress-bar.js';
import { formatBytes, counted } from './units.js';

/**
 * What `images upload` shows of its events: on a terminal a bar over the whole run (`uploading ███░░ 33%
 * 1/3 files  12/36 MiB  4.1 MiB/s  ETA 6s`), counted per file (a multipart body's bytes cannot be watched
 * as they go, and the server's check of each map is part of the wait anyway), with a line per file above
 * it; elsewhere only the notices.
 */
export class UploadProgress {
  private bar?: TransferBar;
  private label = 'uploading';

  constructor(
    private readonly ctx: Context,
    private readonly collection: string,
  ) {}

  event(e: UploadEvent): void {
    const g = this.ctx.globals;
    switch (e.type) {
      case 'start':
        // Only when interactive (ctx.globals.progress already excludes -q, json, pipes).
        if (!g.progress) return;
        this.ctx.warn(`uploading ${counted(e.files, 'file')}${e.bytes === undefined ? '' : `, ${formatBytes(e.bytes)},`} to collection ${this.collection}`);
        this.bar = new TransferBar(this.ctx, { label: () => this.label, files: e.files, bytes: e.bytes });
        return;
      case 'phase':
        this.label = e.phase.padEnd('uploading'.length);
        return;
      case 'uploaded':
        return this.done(`✔ uploaded ${e.path} (${e.index + 1}/${e.total}), ${formatBytes(e.bytes)} → image ${e.image.id}`, e.bytes);
      case 'skipped':
        if (this.bar) this.done(`ℹ skipped ${e.path} (${e.index + 1}/${e.total}): ${e.reason}`, e.bytes);
        else if (!g.quiet) this.ctx.warn(`skipped ${e.path}: ${e.reason}`);
        return;
      case 'warning':
        this.ctx.warn(e.message);
        return;
    }
  }

  private done(line: string, bytes: number): void {
    if (!this.bar) return;
    this.bar.note(line);
    this.bar.bytes(bytes);
    this.bar.file();
  }

  failed(path: string | undefined): void {
    this.bar?.note(`✖ ${path ?? 'upload'} failed`);
    this.bar?.file(true);
  }

  stop(): void {
    this.bar?.stop();
  }
}
