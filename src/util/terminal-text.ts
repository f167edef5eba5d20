import { redactText } from '../http/redact.js';

/**
 * Text from a server (error bodies, titles, names, `next` links) or from the user (a DOI with `%00`) must
 * not steer the terminal: a raw ESC can clear the screen or retitle the window, BEL rings, NUL and CR hide
 * what came before, and a 10 MB body is not a message. Everything shown to eyes goes through here; machine
 * formats (json, ndjson, csv, tsv) keep values exactly and never do.
 */

/** Longest stderr line: the hard bound for any message, whatever it quotes. */
export const MAX_LINE = 1000;
/** Longest piece of server-provided text quoted inside a message (an error detail, a page title). */
export const MAX_QUOTED = 200;

// C0 controls, DEL, C1 controls (0x9b is a one-byte CSI on some terminals), and the invisible characters
// that reorder or hide text (bidi overrides and isolates, zero-width marks: "Trojan Source").
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
// Line breaks and tabs become one space: a message stays on one line.
const FOLD = /[\r\n\t\v\f\u0085\u2028\u2029]+/g;

/** Control and invisible characters as visible escapes: ESC → `\x1b`, U+202E → `\u202e`. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Cut to `max` code points (an emoji is never split), with an ellipsis when something was dropped. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text.slice(0, max * 2));
  if (chars.length <= max && text.length <= max * 2) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * One safe line: secrets redacted (before any cut, which could leave half a token), line breaks folded to
 * a space, controls escaped, then cut to `max` characters.
 */
export function terminalLine(text: string, max = MAX_LINE): string {
  // Cut a first time before the regexes, so a 10 MB input costs no more than a short one.
  const head = text.length > max * 8 ? text.slice(0, max * 8) : text;
  return cut(escapeControls(redactText(head).replace(FOLD, ' ')), max);
}

/** Server text quoted inside one of our messages: one line, blanks collapsed, at most `max` characters. */
export function quoted(text: string, max = MAX_QUOTED): string {
  return terminalLine(text.replace(/\s+/g, ' ').trim(), max);
}
