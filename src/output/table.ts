/**
 * gh-style tables for a terminal: no borders, columns two spaces apart, a light header, and the whole table
 * fitted to the terminal width. When it does not fit, free text gives way first (the widest free-text
 * column is cut with `…`), then other text columns; ids and numbers are never cut.
 */

import { MAX_LINE, terminalLine } from '../util/terminal-text.js';
import { cut, displayWidth } from './text.js';

export interface TableOptions {
  /** Terminal columns; no line of the table is longer. */
  width: number;
  color: boolean;
}

const GAP = '  ';
// A cut text column keeps at least this many characters (with the `…`); headers are cut like cells.
const MIN_TEXT = 3;
// Free text first gives up what it has beyond this, then headers wider than their column's values, then
// free text down to FREE_TEXT_MIN, then any text.
const FREE_TEXT_SOFT = 16;
const FREE_TEXT_MIN = 8;
const MIN_HEADER = 6;

/**
 * Table cells are for eyes on a terminal: server text may hold newlines (which would break the row) or escape
 * sequences (which the terminal would obey), so line breaks become spaces and other control characters
 * visible escapes (`\x1b`), through the same sanitiser as every message. Width is cut by the layout, not
 * here; `max` only bounds the work on a 10 MB value.
 */
export function tableCell(text: string, max = MAX_LINE): string {
  return terminalLine(text, max);
}

type Kind = 'fixed' | 'free' | 'text';

export function renderTable(head: string[], rows: string[][], opts: TableOptions): string {
  const heads = head.map((h) => tableCell(h));
  const cells = rows.map((row) => heads.map((_, i) => tableCell(row[i] ?? '')));
  const kinds = heads.map((h, i) => kindOf(h, cells.map((r) => r[i]!)));
  // Loops, not Math.max(...cells): a spread of 200k arguments overflows the stack.
  const dataWidths = heads.map(() => 0);
  for (const row of cells) row.forEach((cell, i) => (dataWidths[i] = Math.max(dataWidths[i]!, displayWidth(cell))));
  const widths = heads.map((h, i) => Math.max(displayWidth(h), dataWidths[i]!));
  const shown = fit(widths, dataWidths, kinds, Math.max(1, opts.width));
  const line = (row: string[], style: (s: string) => string) =>
    shown
      .map((col, n) => {
        const text = cut(row[col]!, widths[col]!);
        // No padding after the last column: no trailing blanks to copy along with a value.
        return n === shown.length - 1 ? style(text) : style(text) + ' '.repeat(widths[col]! - displayWidth(text));
      })
      .join(GAP)
      .trimEnd();
  const bold = opts.color ? (s: string) => `\u001b[1m${s}\u001b[22m` : (s: string) => s;
  return [line(heads, bold), ...cells.map((r) => line(r, (s) => s))].join('\n');
}

/** ids and numbers are never cut; text with spaces is free text, cut first; the rest (URLs, DOIs, codes) after. */
function kindOf(head: string, column: string[]): Kind {
  const filled = column.filter((c) => c !== '');
  if (/^(id|.*_id|owner|collection)$/i.test(head) || (filled.length > 0 && filled.every((c) => isNumberLike(c) || isDateLike(c)))) {
    return 'fixed';
  }
  if (filled.some((c) => /\s/.test(c.trim()))) return 'free';
  return 'text';
}

// Plain and humanised numbers ("1,250", "837 KiB") are read whole or not at all.
function isNumberLike(cell: string): boolean {
  return /^[+-]?[\d,.]+( ?[KMGTP]?i?B)?$/.test(cell);
}

// Humanised dates ("2015-01-03", "3 days ago") are short and useless cut.
function isDateLike(cell: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$|^\d+ \w+ ago$|^just now$/.test(cell);
}

/**
 * Narrows `widths` in place until the row fits `width`; returns the indexes of the columns kept. Columns that
 * cannot fit even at their least are dropped from the right (ids and numbers are never cut, only dropped).
 */
function fit(widths: number[], dataWidths: number[], kinds: Kind[], width: number): number[] {
  const shown = widths.map((_, i) => i);
  const total = () => shown.reduce((sum, i) => sum + widths[i]!, 0) + GAP.length * (shown.length - 1);
  const shrink = (eligible: (i: number) => boolean, floor: (i: number) => number) => {
    while (total() > width) {
      let widest = -1;
      for (const i of shown) if (eligible(i) && widths[i]! > floor(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      if (widest < 0) return;
      widths[widest] = widths[widest]! - 1;
    }
  };
  const free = (i: number) => kinds[i] === 'free';
  const cuttable = (i: number) => kinds[i] !== 'fixed';
  shrink(free, () => FREE_TEXT_SOFT);
  // A header is cut only where that gains a few columns ("number_of_images" over "3"), not one character.
  const natural = [...widths];
  shrink(
    (i) => natural[i]! - dataWidths[i]! > 2,
    (i) => Math.max(dataWidths[i]!, MIN_HEADER),
  );
  shrink(free, () => FREE_TEXT_MIN);
  shrink(cuttable, () => FREE_TEXT_MIN);
  shrink(cuttable, () => MIN_TEXT);
  while (total() > width && shown.length > 1) shown.pop();
  if (total() > width) widths[shown[0]!] = width; // one column wider than the screen: cut it too
  return shown;
}
