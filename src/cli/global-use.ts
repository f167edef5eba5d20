import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/**
 * The global flags each command reads, by command path: its help lists exactly these, and an output flag
 * it does not list is a usage error on its command line, so `--columns` never does nothing in silence.
 */
const RECORDS = ['--output', '--json', '--jq', '--columns', '--fields'];
const RESULT = ['--output', '--json', '--jq', '--columns'];
const API = ['--base-url', '--token-file', '--auth-scheme', '--timeout', '--retries'];
const S3 = ['--endpoint-url', '--region', '--profile', '--no-sign-request', '--timeout', '--retries'];
const TALK = ['--quiet', '--verbose'];

export const GLOBALS_USED: Readonly<Record<string, readonly string[]>> = {
  '': [],
  collections: [],
  images: [],
  auth: [],
  s3: [],
  catalog: [],
  help: [],
  'collections list': [...RECORDS, ...API, ...TALK],
  'collections get': [...RECORDS, ...API, ...TALK],
  'collections create': [...RESULT, ...API, ...TALK],
  'images list': [...RECORDS, ...API, ...TALK],
  'images get': [...RECORDS, ...API, ...TALK],
  'images upload': [...RESULT, ...API, ...TALK, '--no-progress'],
  download: [...RESULT, ...API, ...TALK, '--no-progress', ...S3],
  verify: [...RESULT, ...TALK, '--no-progress', ...S3],
  search: [...RECORDS, '--base-url', ...TALK],
  'catalog sync': [...RESULT, ...API, ...TALK, '--no-progress'],
  'catalog status': [...RESULT, '--base-url', ...TALK],
  'catalog path': ['--base-url', ...TALK],
  'auth login': [...API, ...TALK],
  'auth status': [...RESULT, ...API, ...TALK],
  'auth logout': ['--base-url', ...TALK],
  's3 mb': [...RESULT, ...S3, ...TALK],
  's3 cp': [...RESULT, ...S3, ...TALK, '--no-progress'],
  's3 ls': [...RECORDS.filter((f) => f !== '--fields'), ...S3, ...TALK],
  view: [...RESULT, ...API, ...TALK, '--no-color'],
  open: ['--base-url', ...TALK],
  completion: [],
};

/**
 * Accepted everywhere without being listed. The talk flags only make a command say less (and --no-pager
 * only keeps its output off the pager); connection settings (server, token, timeouts, S3 endpoint) are
 * accepted like their environment variables, so an alias or wrapper can carry them to every command. What
 * a command prints is another matter: an output flag it cannot honour is refused.
 */
const ANYWHERE = ['--quiet', '--verbose', '--no-color', '--no-progress', '--no-pager', '--offline', ...new Set([...API, ...S3])];

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function globalsUsedBy(cmd: Command): readonly string[] {
  return GLOBALS_USED[commandPath(cmd)] ?? [];
}

/** An output flag typed on the command line that this command cannot honour: exit 2. */
export function checkGlobalsApply(program: Command, action: Command): void {
  const used = globalsUsedBy(action);
  for (const option of program.options) {
    const flag = option.long;
    if (!flag || used.includes(flag) || ANYWHERE.includes(flag)) continue;
    if (program.getOptionValueSource(option.attributeName()) !== 'cli') continue;
    const path = commandPath(action);
    throw new UsageError(`${flag} does not apply to '${path}'`, { hint: `'neurovault ${path} --help' lists the options it takes` });
  }
}
