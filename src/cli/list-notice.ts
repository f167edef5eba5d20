import type { Context } from './context.js';

/**
 * Counts what a capped list saw, so the user learns that a list stopped at `--limit` (default 100):
 * "showing 100 of 1,250" when the server's count is the answer's size, "the first 100 matches" when a
 * local filter ran (the server's count then says nothing about how many match).
 */
export class ListTally {
  /** The server's `count` from the last page. */
  count?: number;
  /** Items on the pages fetched so far. */
  seen = 0;

  readonly onPage = (page: { results: readonly object[]; count: number }): void => {
    this.count = page.count;
    this.seen += page.results.length;
  };

  /** The notice, or undefined when nothing was left out. */
  notice(shown: number, limit: number, filtered: boolean): string | undefined {
    if (shown < limit || this.count === undefined) return undefined;
    // Filtered: the cap was reached, and whether a later item matches is unknown without reading on.
    if (filtered) return `showing the first ${fmt(shown)} matches; there may be more — use --all or --limit`;
    return this.count > shown ? showingOf(shown, this.count) : undefined;
  }
}

export function showingOf(shown: number, total: number): string {
  return `showing ${fmt(shown)} of ${fmt(total)} — use --all or --limit`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** "showing 100 of 1,250" is for a person: only on a terminal, never with --quiet. */
export function notify(ctx: Context, notice: string | undefined): void {
  if (notice && ctx.io.stderrIsTTY && !ctx.globals.quiet) ctx.warn(notice);
}
