/** Human-readable counts, sizes and durations for progress and summary lines on stderr (never for data): one style everywhere. */

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

// Counts are grouped the same way in the library's own messages: the one formatter lives in util.
export { counted, formatCount } from '../util/counts.js';

/** 66%: whole percent, no space, never 100% before the end. */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '0%';
  return `${Math.min(done >= total ? 100 : 99, Math.floor((done / total) * 100))}%`;
}
