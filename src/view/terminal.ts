import type { Rgb } from './colour.js';

/** How the picture reaches the terminal. */
export type Display = 'blocks' | 'ascii' | 'kitty' | 'iterm';
export const DISPLAYS = ['auto', 'blocks', 'ascii', 'kitty', 'iterm'] as const;

/**
 * `auto`: an inline image when stdout is a terminal that announces kitty's or iTerm2's protocol, else
 * 24-bit colour half-blocks; plain characters when colour is off (NO_COLOR, --no-color, TERM=dumb).
 */
export function chooseDisplay(env: NodeJS.ProcessEnv, stdoutIsTTY: boolean, colour: boolean): Display {
  // Piped, no colour either (the README's first promise): `--display blocks` asks for it (`| less -R`).
  if (!colour || !stdoutIsTTY) return 'ascii';
  // tmux and screen keep the outer terminal's variables but drop its image escapes unless pass-through
  // is set up: half-blocks always arrive.
  const multiplexed = env.TMUX !== undefined || env.STY !== undefined || /^(screen|tmux)/.test(env.TERM ?? '');
  if (stdoutIsTTY && !multiplexed) {
    if (env.TERM === 'xterm-kitty' || env.KITTY_WINDOW_ID) return 'kitty';
    if (env.TERM_PROGRAM === 'iTerm.app' || env.TERM_PROGRAM === 'WezTerm') return 'iterm';
  }
  return 'blocks';
}

/** Terminal width: the TTY's, else $COLUMNS, else 80. */
export function terminalColumns(stdout: NodeJS.WritableStream, env: NodeJS.ProcessEnv): number {
  const tty = (stdout as { columns?: number }).columns;
  if (typeof tty === 'number' && tty > 0) return tty;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

const RESET = '\x1b[0m';
const fg = (c: Rgb): string => `\x1b[38;2;${c[0]};${c[1]};${c[2]}m`;
const bg = (c: Rgb): string => `\x1b[48;2;${c[0]};${c[1]};${c[2]}m`;

/**
 * Two picture rows per line: ▀ with the upper pixel as foreground and the lower as background (▄ when
 * only the lower one is drawn); background pixels keep the terminal's own colour. Escapes are written
 * only when a colour changes.
 */
export function halfBlockLines(width: number, height: number, colourAt: (x: number, y: number) => Rgb | undefined): string[] {
  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = '';
    let state = RESET;
    for (let x = 0; x < width; x++) {
      const top = colourAt(x, y);
      const bottom = y + 1 < height ? colourAt(x, y + 1) : undefined;
      let want = RESET;
      let ch = ' ';
      if (top && bottom) {
        want = RESET + fg(top) + bg(bottom);
        ch = '▀';
      } else if (top || bottom) {
        want = RESET + fg((top ?? bottom)!);
        ch = top ? '▀' : '▄';
      }
      if (want !== state) {
        line += want;
        state = want;
      }
      line += ch;
    }
    lines.push(state === RESET ? line : line + RESET);
  }
  return lines;
}

/** Characters for |value| above the threshold, weaker to stronger, by sign. */
const POSITIVE = '+*#@';
const NEGATIVE = '-~=%';
export const ASCII_LEGEND = `${POSITIVE.split('').join(' ')} positive, ${NEGATIVE.split('').join(' ')} negative (weaker to stronger), . at or under the threshold`;

/** One character per picture pixel, for terminals without colour. */
export function asciiLines(
  width: number,
  height: number,
  valueAt: (x: number, y: number) => number,
  threshold: number,
  vmax: number,
): string[] {
  const lines: string[] = [];
  const span = vmax - threshold;
  for (let y = 0; y < height; y++) {
    let line = '';
    for (let x = 0; x < width; x++) {
      const v = valueAt(x, y);
      if (Number.isNaN(v) || v === 0) line += ' ';
      else if (Math.abs(v) <= threshold) line += '.';
      else {
        const f = span > 0 ? Math.min(1, (Math.abs(v) - threshold) / span) : 1;
        line += (v > 0 ? POSITIVE : NEGATIVE)[Math.min(3, Math.floor(f * 4))];
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

/** kitty's graphics protocol: a PNG, base64 in chunks of 4096, shown `columns` cells wide. */
export function kittyImage(png: Uint8Array, columns: number): string {
  const b64 = Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 4096) {
    const more = i + 4096 < b64.length ? 1 : 0;
    const keys = i === 0 ? `a=T,f=100,q=2,c=${columns},m=${more}` : `m=${more}`;
    out += `\x1b_G${keys};${b64.slice(i, i + 4096)}\x1b\\`;
  }
  return `${out}\n`;
}

/** iTerm2's inline image (also understood by WezTerm). */
export function itermImage(png: Uint8Array, columns: number): string {
  const b64 = Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64');
  return `\x1b]1337;File=inline=1;size=${png.byteLength};width=${columns};preserveAspectRatio=1:${b64}\x07\n`;
}
