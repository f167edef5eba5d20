/** Measuring, cutting and wrapping text for a terminal, where a wide character takes two cells. */

/** The terminal's width (stdout's), else $COLUMNS (a terminal that reports 0, or a pipe the user sized), else 80. */
export function terminalWidth(columns: number | undefined, env: NodeJS.ProcessEnv): number {
  if (columns !== undefined && columns > 0) return columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}

/** Cuts to `width` display cells with a trailing `…`, never splitting a code point. */
export function cut(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

// East Asian wide characters and emoji take two cells. Never narrower than string-width (which cli-table3
// measures with: a cell it finds wider than our column it would cut), erring wide on purpose: too wide
// only pads a column, too narrow would overflow the line.
const WIDE =
  /[\u1100-\u115f\u231a-\u23ff\u25fd-\u25fe\u2600-\u27bf\u2b1b-\u2b1c\u2b50\u2b55\u2e80-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{1b000}-\u{1b0ff}\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}]/u;

// Below U+1100 nothing is wide: those characters (all of ASCII) skip the Unicode regex, whose first use
// alone costs milliseconds of a `--help`.
function charWidth(ch: string): number {
  return ch.charCodeAt(0) < 0x1100 ? 1 : WIDE.test(ch) ? 2 : 1;
}

export function displayWidth(text: string): number {
  if (!/[^\u0000-\u10ff]/.test(text)) return text.length;
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

/** Greedy word wrap at spaces; a word longer than the width (a URL) stays whole on its own line. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    if (line && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
