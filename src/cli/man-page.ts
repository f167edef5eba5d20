import type { HelpPage } from './help-render.js';
import type { HelpIndex } from './help-index.js';

/**
 * Man pages from the help index (help-index.ts), written at build time into dist/man/ and shipped
 * (package.json `directories.man`): `man neurovault`, `man neurovault-collections-list`. The same words
 * as `--help`, in roff, so the two never disagree.
 */

/** File name and roff text of every page in the index. */
export function manPages(index: HelpIndex, date: string): { file: string; text: string }[] {
  const paths = Object.keys(index.pages).filter((p) => p !== 'help');
  return paths.map((path) => ({ file: `${manName(path)}.1`, text: manPage(path, index.pages[path]!, index.version, date, paths) }));
}

function manName(path: string): string {
  return ['neurovault', ...path.split(' ').filter(Boolean)].join('-');
}

export function manPage(path: string, page: HelpPage, version: string, date: string, all: readonly string[]): string {
  const name = manName(path);
  const command = ['neurovault', ...path.split(' ').filter(Boolean)].join(' ');
  const out = [
    `.TH ${name.toUpperCase()} 1 "${date}" "neurovault-cli ${version}" "User Commands"`,
    '.SH NAME',
    `${esc(name)} \\- ${esc(firstSentence(page.description) || command)}`,
    '.SH SYNOPSIS',
    `.B ${esc(page.usage.replace(/^neurovault\b/, 'neurovault'))}`,
  ];
  if (page.description) out.push('.SH DESCRIPTION', ...paragraphs(page.description));
  for (const section of page.sections) {
    out.push(`.SH ${esc(section.title.replace(/:$/, '').replace(/ \(.*\)$/, '').toUpperCase())}`);
    for (const [term, description] of section.items) out.push('.TP', `.B ${esc(term)}`, ...(description ? paragraphs(description, false) : []));
  }
  for (const text of page.after) out.push(...afterText(text));
  const related = all.filter((p) => p !== path && (p.startsWith(path ? `${path} ` : '') || path.startsWith(p)) && p.split(' ').length <= path.split(' ').length + 1);
  if (related.length > 0) out.push('.SH SEE ALSO', related.map((p) => `.BR ${manName(p)} (1)`).join('\n'));
  return `${out.join('\n')}\n`;
}

/** Escapes roff: backslashes, and a leading dot or quote that would read as a request. */
function esc(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/, '\\&$1');
}

function firstSentence(text: string): string {
  return text.split('\n')[0]!.trim();
}

function paragraphs(text: string, breakBetween = true): string[] {
  const out: string[] = [];
  for (const p of text.split(/\n\s*\n/)) {
    if (breakBetween && out.length > 0) out.push('.PP');
    out.push(...p.split('\n').map((l) => esc(l.trim())).filter(Boolean));
  }
  return out;
}

/** An after-text: `Examples:` and other `Title:` lines become sections, indented lines stay as written. */
function afterText(text: string): string[] {
  const out: string[] = [];
  let verbatim = false;
  for (const line of text.split('\n')) {
    const heading = /^([A-Z][A-Za-z ]+):$/.exec(line);
    if (heading) {
      if (verbatim) out.push('.fi');
      verbatim = false;
      out.push(`.SH ${esc(heading[1]!.toUpperCase())}`);
    } else if (line.startsWith(' ')) {
      if (!verbatim) out.push('.nf', '.RS 2');
      verbatim = true;
      out.push(esc(line.trimStart()));
    } else {
      if (verbatim) out.push('.RE', '.fi');
      verbatim = false;
      out.push(line.trim() === '' ? '.PP' : esc(line));
    }
  }
  if (verbatim) out.push('.RE', '.fi');
  return out;
}
