import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, REPO_ROOT, isolatedEnv } from './run-cli.js';

/** util-linux `script` gives the CLI a real terminal (a pty), so the live progress line can be seen. */
export const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal received, escape sequences included (`\n` arrives as `\r\n`). */
  raw: string;
}

export interface TerminalOptions {
  /** Columns of the pty; 0 leaves it without a size (as `script` under CI does). */
  cols: number;
  /** A private HOME (config and cache go below it); without one, the isolated environment of run-cli. */
  home?: string;
  env?: Record<string, string | undefined>;
  /** Called with a function that types on the terminal (`'\x03'` is Ctrl-C). */
  onStart?: (type: (keys: string) => void) => void;
  timeoutMs?: number;
}

/** Runs the CLI on a pseudo-terminal of `cols` columns; resolves with what the terminal received. */
export function onTerminal(args: string[], opts: TerminalOptions): Promise<TerminalRun> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const command = `${opts.cols > 0 ? `stty cols ${opts.cols} rows 40; ` : ''}exec ${quoted}`;
  const home = opts.home;
  const env = home
    ? { HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), XDG_CACHE_HOME: join(home, 'cache'), TERM: 'xterm', ...opts.env }
    : { TERM: 'xterm', ...opts.env };
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: REPO_ROOT, env: isolatedEnv(env) });
    let raw = '';
    child.stdout.on('data', (b: Buffer) => (raw += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    // stdin stays open until the end: `script` would pass an end of file on to the terminal.
    opts.onStart?.((keys) => child.stdin.write(keys));
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, raw });
    });
  });
}

/**
 * What a terminal of `cols` columns shows once `raw` has been written to it, as logical lines (rows
 * joined where the terminal wrapped them): enough of a VT100 for what the CLI may emit (`\r`, `\n`,
 * erase line, autowrap). Any other escape sequence fails the test, since the CLI has no business sending it.
 */
export function screen(raw: string, cols: number): string[] {
  const lines: string[] = [''];
  /** Rows that continue the one above after an autowrap. */
  const wrapped = new Set<number>();
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    if (col >= cols) {
      row++;
      col = 0;
      lines[row] = '';
      wrapped.add(row);
    }
    const chars = Array.from(lines[row]!.padEnd(col));
    chars[col] = ch;
    lines[row] = chars.join('');
    col++;
  };
  const chars = Array.from(raw);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '\r') col = 0;
    else if (ch === '\n') lines[++row] ??= '';
    else if (ch === '\x1b') {
      const seq = /^\x1b\[\??[0-9;]*[A-Za-z]/.exec(chars.slice(i, i + 12).join(''))?.[0];
      if (seq?.endsWith('m') || seq === SYNC_BEGIN || seq === SYNC_END) {
        // colours, and ora's synchronized-output brackets around a frame: not part of the text
      } else if (seq === '\x1b[2K') lines[row] = '';
      else if (seq === '\x1b[K') lines[row] = Array.from(lines[row]!).slice(0, col).join('');
      else throw new Error(`unexpected escape sequence ${JSON.stringify(chars.slice(i, i + 8).join(''))}`);
      i += seq!.length - 1;
    } else put(ch);
  }
  const logical: string[] = [];
  lines.forEach((l, i) => {
    if (wrapped.has(i) && logical.length) logical[logical.length - 1] += l;
    else logical.push(l);
  });
  while (logical.length && logical[logical.length - 1]!.trim() === '') logical.pop();
  return logical.map((l) => l.trimEnd());
}

/** ora paints each frame between these (DEC mode 2026): a terminal without it ignores them. */
const SYNC_BEGIN = '\x1b[?2026h';
const SYNC_END = '\x1b[?2026l';

/**
 * Every live-line frame drawn: the text after a return to column 0 (and the erase of the frame before,
 * when there was one) that starts with a spinner frame.
 */
export function frames(raw: string): string[] {
  return raw
    .split(SYNC_BEGIN)
    .join('')
    .split(SYNC_END)
    .join('')
    .split(/\r(?:\x1b\[2K)?/)
    .map((f) => f.split(/[\r\n]/)[0]!)
    .filter((f) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /.test(f));
}
