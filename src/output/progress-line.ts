import type { Ora } from 'ora';
import type { IO } from './io.js';
import { terminalWidth } from './text.js';
import { SPINNER_FRAMES, fit, frameChar } from './progress-render.js';

/** At most ten redraws a second: a 500-file download must not spend its time painting the terminal. */
export const REDRAW_MS = 100;

/**
 * Columns left free at the end of the line: the terminal echoes Ctrl-C as `^C` after the line, and if
 * that wrapped, the erase would clear the new row and leave the bar above it.
 */
const SPARE_COLUMNS = 3;

/** The spinner glyph and its space, which ora draws in front of the text. */
const GLYPH_COLUMNS = 2;

/**
 * io.stderr as ora sees it: every byte still goes through the redacting funnel, the width is ours (a pty
 * without a size reports 0 columns, which would make ora count its line as infinitely many rows), and ora's
 * cursor moves are written as the plain `\r` and erase-line the line always used (ora only returns to
 * column 0 and erases its one row there: no indent, never more than one row).
 */
function terminalFor(io: IO, width: () => number): NodeJS.WriteStream {
  const out = io.stderr;
  const terminal = {
    isTTY: true,
    get columns() {
      return width();
    },
    write: (chunk: string | Uint8Array) => out.write(chunk),
    cursorTo: () => out.write('\r'),
    moveCursor: (_dx: number, dy: number) => (dy < 0 ? out.write(`\x1b[${-dy}A`) : true),
    clearLine: () => out.write('\x1b[2K'),
    once: (event: string, listener: () => void) => (out.once(event, listener), terminal),
    removeListener: (event: string, listener: () => void) => (out.removeListener(event, listener), terminal),
  };
  return terminal as unknown as NodeJS.WriteStream;
}

/**
 * The one live line at the bottom of a TTY stderr, drawn by ora. `render(width, frame)` gives the whole
 * line (spinner glyph first, as progress-render.ts draws it); ora draws its own glyph in that place, from
 * the same frames, and the rest becomes its text. The line stays SPARE_COLUMNS short of the width, so the
 * terminal never wraps it, even with `^C` echoed after it (a wrapped line is what leaves garbage behind).
 * Notices go above it; `stop()` erases it, and so does process exit (a second Ctrl-C exits at once). Only
 * built when progress is on (`ctx.globals.progress`).
 *
 * ora is loaded (dynamic import) only once a line is due, so `--help`, `--version` and piped runs never
 * load it. Its frames are painted by ora's `render()` on our timer rather than by `start()`: ora's own
 * timer is not unref'd (a line a failing command never stopped would keep the process alive) and `start()`
 * hooks process.stdout/stderr, which is not needed since every write of ours goes through `note()`.
 */
export class LiveLine {
  private timer?: NodeJS.Timeout;
  private spinner?: Ora;
  private stopped = false;
  /** Settles once ora is loaded and the first frame drawn (tests wait on it); at once before `start()`. */
  started: Promise<void> = Promise.resolve();
  private readonly onExit = () => this.spinner?.stop();
  private readonly width = () => terminalWidth((this.io.stderr as Partial<NodeJS.WriteStream>).columns, this.env);

  constructor(
    private readonly io: IO,
    private readonly env: NodeJS.ProcessEnv,
    private render: (width: number, frame: number) => string,
  ) {}

  /** Starts drawing after `delayMs` (a wait shorter than that shows nothing at all), once ora is loaded. */
  start(delayMs = 0): this {
    process.once('exit', this.onExit);
    const begin = () => {
      this.started = import('ora').then(({ default: ora }) => {
        if (this.stopped) return;
        this.spinner = ora({
          stream: terminalFor(this.io, this.width),
          isEnabled: true,
          discardStdin: false,
          hideCursor: false,
          color: false,
          spinner: { frames: SPINNER_FRAMES, interval: REDRAW_MS },
          text: this.text(),
        });
        this.draw();
        this.timer = setInterval(() => this.draw(), this.spinner.interval);
        this.timer.unref();
      }).catch(() => {
        // Progress is a courtesy: an install whose ora cannot load still does the work, without the line.
        this.stopped = true;
      });
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
    if (!this.spinner) return;
    this.spinner.text = this.text();
    this.spinner.render();
  }

  /** A lasting line above the live one. */
  note(line: string): void {
    this.spinner?.clear();
    this.io.stderr.write(`${line}\n`);
    this.spinner?.render();
  }

  /** Erases the line for good; nothing is drawn after this. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.timer);
    this.timer = undefined;
    process.removeListener('exit', this.onExit);
    this.spinner?.stop();
    this.spinner = undefined;
  }

  /** The rendered line without its glyph (ora draws that), fitted to the room after ora's glyph. */
  private text(): string {
    const width = Math.max(1 + GLYPH_COLUMNS, this.width() - SPARE_COLUMNS);
    const line = this.render(width, 0);
    const glyph = `${frameChar(0)} `;
    return fit(line.startsWith(glyph) ? line.slice(glyph.length) : line, width - GLYPH_COLUMNS);
  }
}
