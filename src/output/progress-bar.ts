import type { Context } from '../cli/context.js';
import { LiveLine } from './progress-line.js';
import { RateMeter, renderBar, shortReason, type BarState } from './progress-render.js';
import { LiveHook } from './progress-wait.js';
import { terminalLine } from '../util/terminal-text.js';

export interface BarOptions {
  /** What the bar is doing; a function when it changes with the work (`verifying` → `downloading`). */
  label: string | (() => string);
  files: number;
  /** Total bytes, when every size is known; otherwise the percentage and ETA count files. */
  bytes?: number;
}

/**
 * The progress bar of a transfer (download, verify, upload, S3 copy) on a TTY stderr: counters are bumped
 * per chunk at no cost, and the line is rendered from them at most ten times a second (progress-line.ts),
 * with the rate over the last seconds, the ETA and the reason of any retry. Build it only when
 * `ctx.globals.progress` is on.
 */
export class TransferBar {
  private filesDone = 0;
  private filesFailed = 0;
  private bytesDone = 0;
  /** Of bytesDone, those that cost no transfer (kept from an earlier run, re-hashed): not in the rate. */
  private bytesAlready = 0;
  private filesTotal: number;
  private bytesTotal?: number;
  private readonly byteRate = new RateMeter();
  private readonly fileRate = new RateMeter();
  private readonly hook: LiveHook;
  private readonly line: LiveLine;
  private stopped = false;

  constructor(
    ctx: Context,
    private readonly opts: BarOptions,
  ) {
    this.filesTotal = opts.files;
    this.bytesTotal = opts.bytes;
    this.line = new LiveLine(ctx.io, ctx.env, (width, frame) => renderBar(this.state(frame), width));
    this.hook = new LiveHook(ctx, this.line);
    this.line.start();
  }

  /** Work found along the way (S3 listings are planned while the first files already move). */
  expect(files: number, bytes: number | undefined): void {
    this.filesTotal += files;
    if (bytes === undefined) this.bytesTotal = undefined;
    else if (this.bytesTotal !== undefined) this.bytesTotal += bytes;
  }

  bytes(n: number): void {
    this.bytesDone += n;
  }

  /**
   * Work that was already done (a resumed `*.part`, a file re-hashed rather than fetched): the bar moves,
   * but the rate and ETA count only the bytes this run moves, so a resume does not read as a burst.
   */
  already(n: number): void {
    this.bytesDone += n;
    this.bytesAlready += n;
  }

  file(failed = false): void {
    this.filesDone++;
    if (failed) this.filesFailed++;
  }

  /** A lasting line above the bar (made one safe line: it may quote a path or a server). */
  note(text: string): void {
    this.line.note(terminalLine(text));
  }

  /** A failure that will be retried outside the transport's own loop (a file's retries), for a few seconds. */
  trouble(reason: string): void {
    this.hook.say(`retrying: ${shortReason(reason)}`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.line.stop();
    this.hook.release();
  }

  private state(frame: number): BarState {
    const now = Date.now();
    this.byteRate.sample(now, this.bytesDone - this.bytesAlready);
    this.fileRate.sample(now, this.filesDone);
    const etaMs =
      this.bytesTotal !== undefined
        ? this.byteRate.eta(this.bytesTotal - this.bytesDone)
        : this.fileRate.eta(this.filesTotal - this.filesDone);
    return {
      label: typeof this.opts.label === 'function' ? this.opts.label() : this.opts.label,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      filesFailed: this.filesFailed,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      rate: this.byteRate.rate,
      etaMs,
      note: this.hook.current(now),
      frame,
    };
  }
}
