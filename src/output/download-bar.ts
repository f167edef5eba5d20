import type { Context } from '../cli/context.js';
import { TransferBar } from './progress-bar.js';
import type { Progress } from '../download/progress.js';
import type { DownloadEvent } from '../download/download-selection.js';

/** A re-hash counts as `verifying` until file bytes have been arriving again for this long. */
const FETCH_QUIET_MS = 500;

export interface DownloadBar extends Progress {
  /** A download's events on the bar: bytes, files, re-hashes (`verifying`), retried requests (their reason). */
  event(e: DownloadEvent): void;
}

/**
 * The bar of `download`, `verify` and `view` on a TTY stderr:
 * `⠋ downloading █████████░  51%  260/500 files  50.8/97.7 MiB  12.1 MiB/s  ETA 4s`.
 * Bytes re-hashed or resumed move the bar, but only bytes fetched count in the rate and ETA.
 */
export function barProgress(
  ctx: Context,
  opts: {
    label: string;
    files: number;
    bytes?: number;
    /** Files that will be re-hashed first. */
    rechecks?: number;
    /** Bytes kept in `*.part` files by an earlier run: the bar starts there. */
    resumed?: number;
  },
): DownloadBar {
  let hashing = 0;
  let fetched = 0;
  let fetchedSeen = 0;
  let lastFetch = 0;
  // Both labels take the same room, so the bar does not jump when the phase changes.
  const verifying = 'verifying'.padEnd(opts.label.length);
  const label = opts.label.padEnd(verifying.length);
  const bar = new TransferBar(ctx, {
    files: opts.files,
    bytes: opts.bytes,
    // Asked once per redraw: the clock is read here, not per chunk.
    label: () => {
      const now = Date.now();
      if (fetched !== fetchedSeen) {
        fetchedSeen = fetched;
        lastFetch = now;
      }
      const quiet = now - lastFetch > FETCH_QUIET_MS;
      return (hashing > 0 && quiet) || (lastFetch === 0 && (opts.rechecks ?? 0) > 0) ? verifying : label;
    },
  });
  if (opts.resumed) bar.already(opts.resumed);
  const progress: DownloadBar = {
    bytes(n) {
      fetched += n;
      bar.bytes(n);
    },
    file: (result) => bar.file(result === 'failed'),
    note: (line) => bar.note(line),
    stop: () => bar.stop(),
    event(e) {
      switch (e.type) {
        case 'bytes':
          if (e.rehash) bar.already(e.bytes);
          else progress.bytes(e.bytes);
          break;
        case 'file':
          progress.file(e.result);
          break;
        case 'rehash':
          hashing += e.phase === 'begin' ? 1 : -1;
          break;
        case 'retry':
          bar.trouble(e.reason);
          break;
        case 'warning':
          ctx.warn(e.message);
          break;
        case 'start':
          break;
      }
    },
  };
  return progress;
}
