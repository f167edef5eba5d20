import { readFileSync } from 'node:fs';
import { terminalWidth } from '../output/text.js';
import { renderAfterTexts, renderHelpPage, type HelpPage } from './help-render.js';

/**
 * The help index: every command's help page as data, written at build time from the command tree
 * (`buildHelpIndex` in help.ts, run by esbuild.config.mjs) into dist/bundle/help-index.json, shipped with
 * the bundle. A plain help request is drawn from it at the terminal's width without loading commander or
 * building the tree — most of `--help`'s start-up cost (README, "Start-up") — by the layout the tree
 * uses (help-render.ts), so the bytes are the same (test/help-index.test.ts compares every page at
 * several widths). A page it lacks, or a missing, unreadable or other build's index, goes to the tree.
 */
export interface HelpIndex {
  version: string;
  pages: Record<string, HelpPage>;
}

/**
 * Prints the help for `path` from the index, at stdout's width (as the tree would); false, having
 * printed nothing, when the index cannot serve it. The text is the build's own, never a server's or the
 * user's: it goes straight to stdout.
 */
export function printHelpFromIndex(indexFile: URL, version: string, path: string): boolean {
  const width = terminalWidth(process.stdout.columns, process.env);
  const text = helpFromIndex(indexFile, version, path, width);
  if (text === undefined) return false;
  process.stdout.write(text);
  return true;
}

/** The help text for `path` at `width`, as the tree prints it; undefined when the index cannot serve it. */
export function helpFromIndex(indexFile: URL, version: string, path: string, width: number): string | undefined {
  let index: Partial<HelpIndex>;
  try {
    index = JSON.parse(readFileSync(indexFile, 'utf8')) as Partial<HelpIndex>;
  } catch {
    return undefined;
  }
  // An index left from another build would describe other commands.
  if (index.version !== version || !index.pages || !Object.hasOwn(index.pages, path)) return undefined;
  const page = index.pages[path]!;
  return renderHelpPage(page, width) + renderAfterTexts(page, width);
}
