import type { IO } from '../output/io.js';
import { openSpinner } from '../output/spinner.js';
import { formatBytes } from '../output/units.js';

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

const REDRAW_MS = 120;

/**
 * One ora line on a TTY stderr: `files 12/60 · 3.1 MiB · 5.2 MiB/s`. The text is redrawn on a timer, not
 * per chunk, so a fast loopback download does not spend its time repainting the terminal.
 */
export async function spinnerProgress(io: IO, total: number): Promise<Progress> {
  const started = Date.now();
  let bytes = 0;
  let done = 0;
  let failed = 0;
  const line = () => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    return `files ${done}/${total}${failed ? ` (${failed} failed)` : ''} · ${formatBytes(bytes)} · ${formatBytes(bytes / secs)}/s`;
  };
  // The first frame already carries the line, so even a run shorter than one redraw shows it.
  const spinner = await openSpinner(io, line());
  if (!spinner) return silentProgress(io);
  const render = () => {
    spinner.text = line();
  };
  const timer = setInterval(render, REDRAW_MS);
  timer.unref();
  return {
    bytes(n) {
      bytes += n;
    },
    file(result) {
      done++;
      if (result === 'failed') failed++;
    },
    note(line) {
      spinner.clear();
      io.stderr.write(`${line}\n`);
      spinner.render();
    },
    stop() {
      clearInterval(timer);
      spinner.stop();
    },
  };
}
