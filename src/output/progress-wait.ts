import type { Context } from '../cli/context.js';
import { LiveLine } from './progress-line.js';
import { MAX_QUOTED, terminalLine } from '../util/terminal-text.js';
import { describeRetry, renderSpinner, type RetryInfo } from './progress-render.js';

/** Waits shorter than this show nothing: a spinner that flashes for one frame is noise. */
export const WAIT_SPINNER_DELAY_MS = 300;

/** How long a retry's reason stays on the line after its wait is over (the next attempt may be slow too). */
const RETRY_NOTE_MS = 3_000;

/**
 * Connects a live line to the context while it is up: notices (`ctx.warn`, `-v` logs) are written above
 * it, and the latest retry is kept for as long as it explains a wait (transfer bars and spinners show it).
 * `release()` hands the context back to whatever line was there before.
 */
export class LiveHook {
  private text?: string;
  private until = 0;
  private readonly previous: Context['live'];

  constructor(
    private readonly ctx: Context,
    line: Pick<LiveLine, 'note'>,
  ) {
    this.previous = ctx.live;
    ctx.live = { note: (l) => line.note(l), retry: (info) => this.retry(info) };
  }

  retry(info: RetryInfo): void {
    this.say(describeRetry(info, this.ctx.globals.retries), info.delayMs);
  }

  /** A remark on the line for `ms` plus a few seconds (it may quote a server: made one safe line). */
  say(text: string, ms = 0): void {
    this.text = terminalLine(text, MAX_QUOTED);
    this.until = Date.now() + ms + RETRY_NOTE_MS;
  }

  current(now = Date.now()): string | undefined {
    return now < this.until ? this.text : undefined;
  }

  release(): void {
    this.ctx.live = this.previous;
  }
}

export interface Wait {
  /** Changes the text (e.g. a count so far). */
  update(text: string): void;
  /** Erases the spinner; safe to call twice. */
  stop(): void;
}

const NO_WAIT: Wait = { update() {}, stop() {} };

/**
 * A spinner on stderr for a wait of unknown length (listing, the DOI scan), shown only if it lasts longer
 * than WAIT_SPINNER_DELAY_MS, with the seconds spent and the reason of any retry. Nothing at all unless
 * progress is on (TTY stderr, not json/ndjson, no -q/--no-progress).
 */
export function startWait(ctx: Context, text: string): Wait {
  if (!ctx.globals.progress) return NO_WAIT;
  // A wait inside a wait (the DOI scan inside a download's listing) takes over the one line there is.
  if (shown) return shown.nest(text);
  const started = Date.now();
  // The text may quote what the user typed (a DOI, a ref): one safe line.
  const texts = [terminalLine(text, MAX_QUOTED)];
  const line: LiveLine = new LiveLine(ctx.io, ctx.env, (width, frame): string =>
    renderSpinner(frame, texts[texts.length - 1]!, width, Date.now() - started, hook.current()),
  );
  const hook = new LiveHook(ctx, line);
  line.start(WAIT_SPINNER_DELAY_MS);
  const nest = (t: string): Wait => {
    const depth = texts.push(terminalLine(t, MAX_QUOTED));
    return {
      update: (u) => void (texts[depth - 1] = terminalLine(u, MAX_QUOTED)),
      stop: () => void texts.splice(depth - 1),
    };
  };
  let stopped = false;
  shown = { nest };
  return {
    update: (t) => void (texts[0] = terminalLine(t, MAX_QUOTED)),
    stop() {
      if (stopped) return;
      stopped = true;
      shown = undefined;
      line.stop();
      hook.release();
    },
  };
}

/** The wait spinner on screen, if any (there is one stderr, so one per process). */
let shown: { nest(text: string): Wait } | undefined;

/** Runs `work` under a wait spinner, erased whether it succeeds or throws. */
export async function withWait<T>(ctx: Context, text: string, work: () => Promise<T>): Promise<T> {
  const wait = startWait(ctx, text);
  try {
    return await work();
  } finally {
    wait.stop();
  }
}

/**
 * Passes `items` through under a wait spinner that counts them (`listing collections · 1200 so far`).
 * When the records go to the same terminal as they arrive (a streamed format on a TTY stdout), the
 * spinner stops at the first one so rows and spinner never share the screen.
 */
export async function* countedWait<T>(ctx: Context, text: string, items: AsyncIterable<T>): AsyncGenerator<T> {
  const wait = startWait(ctx, text);
  const streamedToScreen = ctx.io.stdoutIsTTY && ctx.globals.output !== 'table';
  let n = 0;
  try {
    for await (const item of items) {
      if (streamedToScreen) wait.stop();
      else wait.update(`${text} · ${++n} so far`);
      yield item;
    }
  } finally {
    wait.stop();
  }
}
