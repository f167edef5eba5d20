import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/** `8MB`, `8MiB`, `8388608`: binary units like aws-cli (its "8MB" is 8 MiB). */
export function parseSize(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`invalid ${flag} "${value}": a size such as 8MB, 64MiB or 16777216`);
  return Math.round(Number(m[1]) * unit);
}

/** aws-cli's `--human-readable` sizes (`123 Bytes`, `1.5 KiB`), so `s3 ls` output matches it line for line. */
export function awsHumanSize(n: number): string {
  const units = ['Bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} Bytes` : `${v.toFixed(1)} ${units[i]}`;
}
