import type { IO } from './io.js';

/** At most ten redraws a second: a 500-file download must not spend its time painting the terminal. */
export const REDRAW_MS = 100;

/**
 * Columns left free at the end of the line: the terminal echoes Ctrl-C as `^C` after the line, and if
 * that wrapped, the erase would clear the new row and leave the bar above it.
 */
const SPARE_COLUMNS = 3;

/** Move to column 0 and erase the line: every redraw and the final clear start with this. */
const CLEAR = '\r\x1b[2K';

/** `process.stderr.columns`, else `COLUMNS`, else 80 (a pty without a size reports 0 columns). */
export function terminalWidth(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): number {
  const columns = (stream as Partial<NodeJS.WriteStream>).columns;
  if (typeof columns === 'number' && columns > 0) return columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

/**
 * The one live line at the bottom of a TTY stderr. `render(width, frame)` is asked for a line on a timer;
 * the line stays SPARE_COLUMNS short of the width, so the terminal never wraps it, even with `^C` echoed
 * after it (a wrapped line is what leaves garbage behind). Notices go above it; `stop()` erases it, and so does process exit (a second
 * Ctrl-C exits at once). Only built when progress is on (`ctx.globals.progress`).
 */
export class LiveLine {
  private timer?: NodeJS.Timeout;
  private shown = '';
  private frame = 0;
  private readonly onExit = () => this.erase();

  constructor(
    private readonly io: IO,
    private readonly env: NodeJS.ProcessEnv,
    private render: (width: number, frame: number) => string,
  ) {}

  /** Starts drawing after `delayMs` (a wait shorter than that shows nothing at all). */
  start(delayMs = 0): this {
    process.once('exit', this.onExit);
    const begin = () => {
      this.draw();
      this.timer = setInterval(() => this.draw(), REDRAW_MS);
      this.timer.unref();
    };
    if (delayMs > 0) {
      this.timer = setTimeout(begin, delayMs);
      this.timer.unref();
    } else {
      begin();
    }
    return this;
  }

  /** Replaces what the line shows (from the next redraw). */
  set(render: (width: number, frame: number) => string): void {
    this.render = render;
  }

  /** Redraws now (a phase change should not wait for the timer). */
  draw(): void {
    const line = this.render(Math.max(1, terminalWidth(this.io.stderr, this.env) - SPARE_COLUMNS), this.frame++);
    if (line === this.shown) return;
    this.shown = line;
    this.io.stderr.write(`${CLEAR}${line}`);
  }

  /** A lasting line above the live one. */
  note(line: string): void {
    const was = this.shown;
    this.erase();
    this.io.stderr.write(`${line}\n`);
    if (was && this.timer) {
      this.shown = was;
      this.io.stderr.write(was);
    }
  }

  /** Erases the line for good; nothing is drawn after this. */
  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.timer);
    this.timer = undefined;
    process.removeListener('exit', this.onExit);
    this.erase();
  }

  private erase(): void {
    if (this.shown === '') return;
    this.shown = '';
    this.io.stderr.write(CLEAR);
  }
}
