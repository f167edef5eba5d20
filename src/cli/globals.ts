import { UsageError } from '../errors.js';
import type { IO } from '../output/io.js';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv', 'tsv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const DEFAULT_BASE_URL = 'https://neurovault.org';
/** Global options an environment variable sets when the flag is absent (program.ts declares them so). */
export const OPTION_ENV = { baseUrl: 'NEUROVAULT_URL', authScheme: 'NEUROVAULT_AUTH_SCHEME', timeout: 'NEUROVAULT_TIMEOUT' } as const;

/** Global flags after validation, merged with their environment variables. */
export interface GlobalOptions {
  baseUrl: string;
  authScheme: 'token' | 'bearer';
  tokenFile?: string;
  output: OutputFormat;
  /** The user chose the format (so a command may refuse one that makes no sense for it). */
  outputExplicit: boolean;
  columns?: string[];
  /** `--json a,b`: json keeps just these fields (gh's form). */
  jsonFields?: string[];
  /** `--jq <expr>`: the JSON output filtered through jq. */
  jq?: string;
  /** `--fields`: print the field names the objects have, instead of the objects. */
  listFields: boolean;
  timeoutMs: number;
  retries: number;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
  color: boolean;
  /** `--no-pager` not given: long output on a terminal may go through the pager. */
  pager: boolean;
  endpointUrl?: string;
  region?: string;
  profile?: string;
  signRequest: boolean;
  /** `--offline` / `NEUROVAULT_OFFLINE`: no connection at all; what needs one fails with exit 6. */
  offline: boolean;
}

/** Where commander took an option's value from ('cli', 'env', 'default'), by attribute name. */
export type ValueSource = (key: string) => string | undefined;

/**
 * Raw commander values (`optsWithGlobals()`), env already applied by commander's `.env()`; `source` tells
 * whether a value came from the environment, so an error names the variable the user set, not the flag.
 */
export function resolveGlobals(
  raw: Record<string, unknown>,
  io: IO,
  source: ValueSource = () => undefined,
  env: NodeJS.ProcessEnv = {},
): GlobalOptions {
  const named = (key: string, flag: string, envVar: string) => (source(key) === 'env' ? envVar : flag);
  const baseUrl = parseBaseUrl(String(raw.baseUrl ?? DEFAULT_BASE_URL), named('baseUrl', '--base-url', 'NEUROVAULT_URL'));
  const scheme = String(raw.authScheme ?? 'token').toLowerCase();
  if (scheme !== 'token' && scheme !== 'bearer') {
    throw new UsageError(`invalid ${named('authScheme', '--auth-scheme', 'NEUROVAULT_AUTH_SCHEME')} "${scheme}": use token or bearer`);
  }
  let output: OutputFormat = io.stdoutIsTTY ? 'table' : 'tsv';
  let outputExplicit = false;
  let jsonFields: string[] | undefined;
  if (raw.json !== undefined && raw.json !== false) {
    output = 'json';
    outputExplicit = true;
    if (typeof raw.json === 'string' && raw.json !== '') jsonFields = fieldList(raw.json, '--json');
  }
  if (raw.output !== undefined) {
    const fmt = String(raw.output).toLowerCase();
    if (!(OUTPUT_FORMATS as readonly string[]).includes(fmt)) {
      throw new UsageError(`unknown output format "${String(raw.output)}": use ${OUTPUT_FORMATS.join(', ')}`);
    }
    output = fmt as OutputFormat;
    outputExplicit = true;
  }
  const jq = raw.jq === undefined ? undefined : String(raw.jq);
  if (jq !== undefined) {
    if (raw.output !== undefined && output !== 'json') throw new UsageError(`--jq filters JSON: it cannot be used with -o ${output}`);
    output = 'json';
    outputExplicit = true;
  }
  const columns = raw.columns === undefined ? undefined : fieldList(String(raw.columns), '--columns');
  const timeoutS = Number(raw.timeout ?? 30);
  // Below 1 ms it would round to 0, which undici reads as "no timeout"; above a day the whole-request
  // deadline (4 × timeout) would overflow a timer and fire at once.
  if (!(timeoutS >= 0.001 && timeoutS <= 86_400)) {
    throw new UsageError(`invalid ${named('timeout', '--timeout', 'NEUROVAULT_TIMEOUT')} "${String(raw.timeout)}": seconds, from 0.001 to 86400`);
  }
  const retries = Number(raw.retries ?? 4);
  if (!Number.isInteger(retries) || retries < 0 || retries > 20) {
    throw new UsageError(`invalid --retries "${String(raw.retries)}": an integer from 0 to 20`);
  }
  const quiet = Boolean(raw.quiet);
  const endpointUrl = raw.endpointUrl === undefined ? undefined : parseHttpUrl(String(raw.endpointUrl), '--endpoint-url');
  return {
    baseUrl,
    authScheme: scheme,
    tokenFile: raw.tokenFile === undefined ? undefined : String(raw.tokenFile),
    output,
    outputExplicit,
    columns,
    jsonFields,
    jq,
    listFields: Boolean(raw.fields),
    timeoutMs: Math.round(timeoutS * 1000),
    retries,
    quiet,
    verbose: Boolean(raw.verbose),
    progress: raw.progress !== false && !quiet && io.stderrIsTTY && !io.dumb && output !== 'json' && output !== 'ndjson',
    color: raw.color !== false && io.color,
    pager: raw.pager !== false,
    endpointUrl,
    region: raw.region === undefined ? undefined : String(raw.region),
    profile: raw.profile === undefined ? undefined : String(raw.profile),
    signRequest: raw.signRequest !== false,
    offline: raw.offline === true || envSwitch(env.NEUROVAULT_OFFLINE, 'NEUROVAULT_OFFLINE'),
  };
}

/** HF_HUB_OFFLINE's reading: 1/true/yes/on is on, unset/empty/0/false/no/off is off, anything else a usage error. */
function envSwitch(value: string | undefined, name: string): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(v)) return false;
  throw new UsageError(`invalid ${name}="${value}": use 1 (offline) or 0`);
}

function fieldList(value: string, flag: string): string[] {
  const fields = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (fields.length === 0) throw new UsageError(`${flag} needs at least one field name`);
  return fields;
}

const FIELD_LIST = /^[A-Za-z_][\w.]*(,[A-Za-z_][\w.]*)*,?$/;
// A word that names a file (a NIfTI, a lock, a folder path) is an argument, never a field list.
const FILE_LIKE = /[/\\]|\.(nii|gz|gii|png|json|jsonl|lock|txt|csv|tsv|mgz|img|hdr)$/i;

/**
 * `--json` takes an optional field list on every command (gh's `--json id,name`), so a bare `--json`
 * before a command (`--json collections list`) or an argument (`get --json 1615`, `view --json map.nii.gz`)
 * would swallow that word: such a `--json` is rewritten as `--json=` (no fields) before parsing. `help a b`
 * becomes `a b --help`, which commander's own help command does not do for nested commands.
 */
export function prepareArgv(argv: readonly string[], commandNames: ReadonlySet<string>): string[] {
  const out = [...argv];
  if (out[0] === 'help' && out.length > 2) return [...out.slice(1), '--help'];
  for (let i = 0; i < out.length; i++) {
    if (out[i] === '--') break;
    const next = out[i + 1];
    if (out[i] !== '--json' || next === undefined || next.startsWith('-')) continue;
    // An 8-capital-letter word is a private collection token (`get --json ABCDEFGH`), not a field.
    if (!FIELD_LIST.test(next) || FILE_LIKE.test(next) || commandNames.has(next) || /^[A-Z]{8}$/.test(next)) out[i] = '--json=';
  }
  return out;
}

export function parseBaseUrl(value: string, flag = '--base-url'): string {
  const url = new URL(parseHttpUrl(value, flag));
  // The API lives under /api/ of the server root; a trailing slash or /api suffix is a common paste.
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  return `${url.origin}${path}`;
}

function parseHttpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`invalid ${flag} "${value}": not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid ${flag} "${value}": use http:// or https://`);
  }
  return value;
}
