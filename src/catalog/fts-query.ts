import { UsageError } from '../errors.js';

const OPERATORS = new Set(['OR', 'AND', 'NOT']);

/**
 * The user's words as an FTS5 query. Every word is quoted (so `n-back`, `2.5` or `C++` are text, not
 * syntax); `"a b"` stays a phrase, a trailing `*` makes a prefix (`memor*`), upper-case OR/AND/NOT stay
 * operators; words are ANDed.
 */
export function ftsQuery(words: readonly string[]): string {
  const text = words.join(' ');
  const parts: string[] = [];
  const re = /"([^"]*)"(\*?)|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m[3] !== undefined) {
      const word = m[3].replace(/"/g, '');
      if (OPERATORS.has(word)) {
        parts.push(word);
        continue;
      }
      const prefix = word.endsWith('*');
      const stem = word.replace(/\*+$/, '');
      if (stem) parts.push(`"${stem}"${prefix ? '*' : ''}`);
    } else if (m[1]!.trim()) {
      parts.push(`"${m[1]!.trim()}"${m[2]}`);
    }
  }
  while (parts.length && OPERATORS.has(parts[0]!)) parts.shift();
  while (parts.length && OPERATORS.has(parts[parts.length - 1]!)) parts.pop();
  if (parts.length === 0) throw new UsageError('search needs at least one word');
  return parts.join(' ');
}
