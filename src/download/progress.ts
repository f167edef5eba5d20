import type { Context } from '../cli/context.js';
import type { IO } from '../output/io.js';
import { TransferBar } from '../output/progress-bar.js';
import type { Sink } from './sink.js';
import type { Transport } from '../http/transport.js';
import { HttpError, errorCode } from '../http/errors.js';
import { RETRYABLE_NETWORK_CODES, RETRYABLE_STATUSES } from '../http/retry-policy.js';

/** What the engine reports while it runs; the summary is printed by the action from the Outcome. */
export interface Progress {
  bytes(n: number): void;
  file(result: 'fetched' | 'skipped' | 'failed'): void;
  /** Writes a line to stderr without tearing the live line. */
  note(line: string): void;
  /** Removes the live line (before the summary or an error is printed). */
  stop(): void;
}

export function silentProgress(io: IO): Progress {
  return { bytes() {}, file() {}, note: (line) => void io.stderr.write(`${line}\n`), stop() {} };
}

/** A re-hash counts as `verifying` until file bytes have been arriving again for this long. */
const FETCH_QUIET_MS = 500;

export interface DownloadBar extends Progress {
  /**
   * The transport as the engine should see it: a file request that failed in a way the engine retries
   * shows its reason on the bar (files have their own retry loop, outside the transport's).
   */
  watchTransport(transport: Pick<Transport, 'send'>): Pick<Transport, 'send'>;
  /**
   * The sink as the engine should see it: its re-hashes of files already there (the skip check of a
   * re-run) are counted on the bar and labelled `verifying` while no file is being fetched.
   */
  watch(sink: Sink): Sink;
}

/**
 * The bar of `download` and `verify` on a TTY stderr:
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
  return {
    bytes(n) {
      fetched += n;
      bar.bytes(n);
    },
    file: (result) => bar.file(result === 'failed'),
    note: (line) => bar.note(line),
    stop: () => bar.stop(),
    watchTransport(transport) {
      return {
        send: (req) =>
          transport.send(req).catch((err: unknown) => {
            if (retryable(err)) bar.trouble((err as Error).message);
            throw err;
          }),
      };
    },
    watch(sink) {
      const digest: Sink['digest'] = async (path, signal) => {
        hashing++;
        try {
          const found = await sink.digest(path, signal);
          bar.already(found?.bytes ?? 0);
          return found;
        } finally {
          hashing--;
        }
      };
      // Every other member is the sink's own, called on the sink itself.
      return new Proxy(sink, {
        get(target, key) {
          if (key === 'digest') return digest;
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}

function retryable(err: unknown): boolean {
  if (err instanceof HttpError) return RETRYABLE_STATUSES.has(err.status);
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}
