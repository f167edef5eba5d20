/**
 * 3,007: thousands grouped, as `toLocaleString('en-US')` writes a whole number, by hand: the first
 * toLocaleString of a process loads ICU's number formatting, ~12 ms of a ~20 ms node start-up, and every
 * list command builds a page schema whose message holds a count. Fractions (never shown here) go to ICU.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(digits.slice(Math.max(0, end - 3), end));
  return `${n < 0 ? '-' : ''}${groups.join(',')}`;
}

/** "1 image", "3,007 images": the noun agrees with the count (`many` for irregular plurals). */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
