import Table from 'cli-table3';

/** Past this many characters a cell is cut, so one long description cannot push the table off the screen. */
export const MAX_CELL = 60;

/**
 * Table cells are for eyes on a terminal: server text may hold newlines (which would break the row) or escape
 * sequences (which the terminal would obey), so control characters become spaces, then long text is cut.
 */
export function tableCell(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\r\n|[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const chars = Array.from(clean); // code points, so an emoji is never split in half
  return chars.length > MAX_CELL ? `${chars.slice(0, MAX_CELL - 1).join('')}…` : clean;
}

/**
 * Draws rows of already-converted text. cli-table3 ignores NO_COLOR and a non-TTY stdout (STYLE anti-pattern 3),
 * so colour is off unless the caller says so. Without `head` the first column is a field name (one object).
 */
export function renderTable(head: string[] | undefined, rows: string[][], color: boolean): string {
  const table = new Table({
    ...(head ? { head: head.map(tableCell) } : {}),
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] },
  });
  for (const row of rows) table.push(row.map(tableCell));
  return dropRowSeparators(table.toString(), head !== undefined);
}

// cli-table3 rules off every row; cells are single-line here, so only the rule under the header is worth the space.
function dropRowSeparators(drawn: string, keepFirst: boolean): string {
  let kept = !keepFirst;
  return drawn
    .split('\n')
    .filter((line) => {
      // eslint-disable-next-line no-control-regex
      if (!line.replace(/\u001b\[[0-9;]*m/g, '').startsWith('├')) return true;
      if (kept) return false;
      kept = true;
      return true;
    })
    .join('\n');
}
