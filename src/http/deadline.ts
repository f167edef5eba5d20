/**
 * `--timeout` bounds each silent gap (undici's headers and body timeouts), so a server that trickles a
 * byte a second is never cut off by it. A deadline bounds the whole exchange of an API call instead:
 * DEADLINE_FACTOR × the timeout (2 min by default). File bodies do not get one: a large file on a slow
 * link is legitimately slow, so the download engine watches its rate instead.
 */
export const DEADLINE_FACTOR = 4;
/** setTimeout's ceiling; a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  expired = false;
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;

  /** Aborts its signal `ms` after start(), or when the caller's own signal aborts (Ctrl-C). */
  constructor(ms: number, private readonly outer?: AbortSignal) {
    this.ms = Math.min(MAX_TIMER_MS, Math.max(1, Math.round(ms)));
    this.signal = this.controller.signal;
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.follow, { once: true });
  }

  start(): void {
    this.timer ??= setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(`deadline of ${this.ms} ms passed`));
    }, this.ms);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.follow);
  }

  private readonly follow = () => this.controller.abort(this.outer?.reason);
}
