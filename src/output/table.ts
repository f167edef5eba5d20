import Table from 'cli-table3';
import { terminalLine } from '../util/terminal-text.js';

/** Past this many characters a cell is cut, so one long description cannot push the table off the screen. */
export const MAX_CELL = 60;
// cli-table3's layout grows worse than linearly (10k rows: 1.2 s, 50k: 23 s, 200k: stack overflow), so long
// lists are drawn as stitched tables of this many rows sharing one set of column widths.
const CHUNK = 500;

/**
 * Table cells are for eyes on a terminal: server text may hold newlines (which would break the row) or escape
 * sequences (which the terminal would obey), so line breaks become spaces, other control characters visible
 * escapes (`\x1b`), then long text is cut.
 */
export function tableCell(text: string): string {
  return terminalLine(text, MAX_CELL);
}

/**
 * Draws rows of text with one rule under the header. cli-table3 ignores NO_COLOR and a non-TTY stdout
 * (STYLE anti-pattern 3), so colour is off unless the caller says so. Without `head` (one object shown as
 * field/value rows) there is no rule at all.
 */
export function renderTable(head: string[] | undefined, rows: string[][], color: boolean): string {
  const plainHeads = head?.map(tableCell);
  const cells = rows.map((row) => row.map(tableCell));
  if (!plainHeads && cells.length === 0) return '';
  const colWidths = columnWidths(plainHeads ? [plainHeads, ...cells] : cells);
  // cli-table3's own styling asks @colors/colors, which turns itself off without a TTY or under CI;
  // the caller has already decided, so the header is coloured here and cli-table3 styles nothing.
  const heads = color ? plainHeads?.map((h) => `\u001b[36m${h}\u001b[39m`) : plainHeads;
  const style = { head: [] as string[], border: [] as string[] };
  const parts: string[] = [];
  for (let start = 0; start === 0 || start < cells.length; start += CHUNK) {
    const first = start === 0;
    const last = start + CHUNK >= cells.length;
    const table = new Table({ ...(heads && first ? { head: heads } : {}), colWidths, style });
    table.push(...cells.slice(start, start + CHUNK));
    const lines = withoutRowRules(table.toString().split('\n'), Boolean(heads) && first);
    parts.push(lines.slice(first ? 0 : 1, last ? lines.length : -1).join('\n'));
  }
  return parts.join('\n');
}

// cli-table3 rules off every row; cells are single-line here, so only the rule under the header earns its space.
function withoutRowRules(lines: string[], keepFirst: boolean): string[] {
  let keep = keepFirst;
  return lines.filter((line) => {
    // eslint-disable-next-line no-control-regex
    if (!line.replace(/\u001b\[[0-9;]*m/g, '').startsWith('├')) return true;
    const kept = keep;
    keep = false;
    return kept;
  });
}

function columnWidths(rows: string[][]): number[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  return widths.map((w) => w + 2); // cli-table3's padding, one space each side
}

// East Asian wide characters and emoji take two cells. Close to string-width, and erring wide on purpose:
// too wide only pads a column, too narrow would make cli-table3 cut the cell.
const WIDE = /[\u1100-\u115f\u231a-\u23ff\u2600-\u27bf\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f000}-\u{1faff}\u{20000}-\u{3fffd}]/u;

function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += WIDE.test(ch) ? 2 : 1;
  return width;
}
