import { UsageError } from '../errors.js';
import { formatCount } from '../util/counts.js';

/**
 * A whole number within [min, max], as typed in a flag or a settings file; `name` says where it came
 * from, for the error. The range is said as people say it: "of at least 1" when only the number type
 * bounds it, never 9007199254740991.
 */
export function parseWholeNumber(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`invalid ${name} "${value}": ${wholeNumberRange(value, min, max)}`);
  }
  return Number(value);
}

function wholeNumberRange(value: string, min: number, max: number): string {
  if (max < Number.MAX_SAFE_INTEGER) return `a whole number from ${formatCount(min)} to ${formatCount(max)}`;
  if (/^\d+$/.test(value.trim()) && Number(value) > max) return 'too large a number';
  return `a whole number of at least ${formatCount(min)}`;
}
