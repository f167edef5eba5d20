import { formatBytes } from './units.js';

/**
 * What a person reads on a terminal instead of the raw value: sizes in KiB/MiB, timestamps as a date in the
 * local zone (or "3 hours ago" when recent). Only for screens: piped output and machine formats stay raw.
 */
export interface Humanizer {
  /** The cell text for `value` in column `field`; undefined when the raw text is what to show. */
  (field: string, value: unknown): string | undefined;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const SIZE_FIELD = /(^|[._])(file_size|size|bytes)$/;
const DAY = 86_400_000;

export function humanizer(now: number, opts: { exactSizes?: boolean; time?: boolean } = {}): Humanizer {
  return (field, value) => {
    if (typeof value === 'number' && SIZE_FIELD.test(field) && Number.isFinite(value) && value >= 0) {
      // 0 is the server's "file missing on disk", not an empty file.
      if (value === 0) return '';
      return opts.exactSizes && value >= 1024 ? `${formatBytes(value)} (${value} bytes)` : formatBytes(value);
    }
    if (typeof value === 'string' && ISO_DATETIME.test(value)) return humanDate(value, now, opts.time ?? false);
    return undefined;
  };
}

/** "just now", "5 minutes ago", "3 hours ago", "12 days ago", else the local date (and time when asked). */
export function humanDate(iso: string, now: number, withTime: boolean): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const ago = now - t;
  const d = new Date(t);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const stamp = withTime ? `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}` : date;
  if (ago < 0 || ago >= 30 * DAY) return stamp;
  const relative = relativeAge(ago);
  return withTime ? `${stamp} (${relative})` : relative;
}

/** An age in words: "just now", "5 minutes ago", "3 hours ago", "12 days ago". */
export function relativeAge(ms: number): string {
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return plural(Math.floor(ms / 60_000), 'minute');
  return ms < DAY ? plural(Math.floor(ms / 3_600_000), 'hour') : plural(Math.floor(ms / DAY), 'day');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
