import { displayWidth, wrapWords } from '../output/text.js';

/**
 * Help screens laid out at the terminal's width: one layout for the pages the command tree describes
 * (src/cli/help.ts) and for the same pages kept in the build's help index (src/cli/help-index.ts), so
 * both print the same bytes. Needs nothing of commander: a help request answered from the index loads
 * this module and the index only.
 */

/** One help screen as data. */
export interface HelpPage {
  usage: string;
  description: string;
  /** Arguments, command groups, option groups, the global options used: the non-empty ones, in order. */
  sections: { title: string; items: [term: string, description: string][] }[];
  /** The command's `addHelpText('after')` texts as written (reflowed to the width when shown). */
  after: string[];
}

const USAGE = 'Usage: ';
const INDENT = 2;
const GAP = 2;
// Narrower than this beside the terms, a description goes under its term instead.
const MIN_DESCRIPTION = 24;

/** The page without its after-texts: usage, description, then each section's items in two columns. */
export function renderHelpPage(page: HelpPage, width: number): string {
  const [first = '', ...rest] = wrapWords(page.usage, width - USAGE.length);
  const out = [USAGE + first, ...rest.map((l) => ' '.repeat(USAGE.length) + l), ''];
  if (page.description) out.push(...wrapParagraphs(page.description, width), '');
  const termWidth = Math.max(0, ...page.sections.flatMap((s) => s.items.map(([term]) => displayWidth(term))));
  const beside = width - INDENT - termWidth - GAP;
  for (const { title, items } of page.sections) {
    out.push(...wrapWords(title, width));
    for (const [term, description] of items) out.push(...item(term, description, termWidth, beside, width));
    out.push('');
  }
  return out.join('\n');
}

function item(term: string, description: string, termWidth: number, beside: number, width: number): string[] {
  const lead = ' '.repeat(INDENT);
  if (!description) return [lead + term];
  if (beside < MIN_DESCRIPTION) {
    const hang = ' '.repeat(INDENT * 3);
    return [lead + term, ...wrapParagraphs(description, width - hang.length).map((l) => hang + l)];
  }
  const [first = '', ...rest] = wrapParagraphs(description, beside);
  const pad = ' '.repeat(termWidth - displayWidth(term) + GAP);
  const hang = ' '.repeat(INDENT + termWidth + GAP);
  return [lead + term + pad + first, ...rest.map((l) => (l ? hang + l : l))];
}

function wrapParagraphs(text: string, width: number): string[] {
  return text.split('\n').flatMap((line) => (line.trim() === '' ? [''] : wrapWords(line.trim(), Math.max(1, width))));
}

/** The after-texts as the tree prints them after the page: each reflowed to the width, then a newline. */
export function renderAfterTexts(page: HelpPage, width: number): string {
  return page.after.map((text) => `${reflow(text, width)}\n`).join('');
}

/**
 * Text after a command's options, wrapped to the terminal: consecutive lines that do not start with a space
 * are one paragraph (joined, then wrapped); indented lines (examples, layouts) are kept as they are, except
 * that an example command (`  $ …`) too long for the width is broken between words with a shell line
 * continuation, so the terminal never splits a flag and the lines still paste as one command.
 */
export function reflow(text: string, width: number): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) out.push(...wrapWords(paragraph.join(' '), Math.max(40, width)));
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ')) {
      flush();
      out.push(...(/^ +\$ /.test(line) ? continued(line, Math.max(40, width)) : [line]));
    } else paragraph.push(line.trim());
  }
  flush();
  return out.join('\n');
}

/**
 * An example command longer than `width`, broken between shell words (a quoted argument stays whole) into
 * lines ending ` \\`, continued further in.
 */
function continued(line: string, width: number): string[] {
  if (displayWidth(line) <= width) return [line];
  const lead = line.slice(0, line.length - line.trimStart().length);
  const indent = `${lead}    `;
  const out: string[] = [];
  let current = '';
  for (const [word] of line.trimStart().matchAll(/(?:[^\s'"]+|'[^']*'?|"[^"]*"?)+/g)) {
    if (current && displayWidth(current) + 1 + displayWidth(word) + 2 > width) {
      out.push(`${current} \\`);
      current = `${indent}${word}`;
    } else current = current ? `${current} ${word}` : `${lead}${word}`;
  }
  out.push(current);
  return out;
}
