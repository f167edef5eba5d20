/**
 * JSON for a person on a terminal, as gh prints it: indented, keys in bold blue, strings green, numbers
 * cyan, true/false/null yellow. Only for a TTY stdout with colour allowed; piped JSON is never touched.
 */
const KEY = '\u001b[1;34m';
const STRING = '\u001b[32m';
const NUMBER = '\u001b[36m';
const LITERAL = '\u001b[33m';
const RESET = '\u001b[0m';

// A string (then, when a colon follows, a key), a number, or a literal; everything else (braces, commas,
// blanks) passes as it is.
const TOKEN = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

/** `JSON.stringify(value, null, 2)`, coloured when `colour` is set. */
export function prettyJson(value: unknown, colour: boolean): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return colour ? colourJson(text) : text;
}

export function colourJson(text: string): string {
  return text.replace(TOKEN, (all, str: string | undefined, colon: string | undefined, num: string | undefined, lit: string | undefined) => {
    if (str !== undefined) return colon !== undefined ? `${KEY}${str}${RESET}${colon}` : `${STRING}${str}${RESET}`;
    if (num !== undefined) return `${NUMBER}${num}${RESET}`;
    if (lit !== undefined) return `${LITERAL}${lit}${RESET}`;
    return all;
  });
}
