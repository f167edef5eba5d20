import { UsageError } from '../errors.js';
import type { IO } from '../output/io.js';

export const OUTPUT_FORMATS = ['table', 'json', 'ndjson', 'csv', 'tsv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const DEFAULT_BASE_URL = 'https://neurovault.org';

/** Global flags after validation, merged with their environment variables. */
export interface GlobalOptions {
  baseUrl: string;
  authScheme: 'token' | 'bearer';
  tokenFile?: string;
  output: OutputFormat;
  /** The user chose the format (so a command may refuse one that makes no sense for it). */
  outputExplicit: boolean;
  columns?: string[];
  timeoutMs: number;
  retries: number;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
  color: boolean;
  endpointUrl?: string;
  region?: string;
  profile?: string;
  signRequest: boolean;
}

/** Raw commander values (`optsWithGlobals()`), env already applied by commander's `.env()`. */
export function resolveGlobals(raw: Record<string, unknown>, io: IO): GlobalOptions {
  const baseUrl = parseBaseUrl(String(raw.baseUrl ?? DEFAULT_BASE_URL));
  const scheme = String(raw.authScheme ?? 'token').toLowerCase();
  if (scheme !== 'token' && scheme !== 'bearer') {
    throw new UsageError(`invalid --auth-scheme "${scheme}": use token or bearer`);
  }
  let output: OutputFormat = io.stdoutIsTTY ? 'table' : 'tsv';
  let outputExplicit = false;
  if (raw.json) {
    output = 'json';
    outputExplicit = true;
  }
  if (raw.output !== undefined) {
    const fmt = String(raw.output).toLowerCase();
    if (!(OUTPUT_FORMATS as readonly string[]).includes(fmt)) {
      throw new UsageError(`unknown output format "${String(raw.output)}": use ${OUTPUT_FORMATS.join(', ')}`);
    }
    output = fmt as OutputFormat;
    outputExplicit = true;
  }
  const columns =
    raw.columns === undefined
      ? undefined
      : String(raw.columns)
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean);
  if (columns && columns.length === 0) throw new UsageError('--columns needs at least one field name');
  const timeoutS = Number(raw.timeout ?? 30);
  // Below 1 ms it would round to 0, which undici reads as "no timeout"; above a day the whole-request
  // deadline (4 × timeout) would overflow a timer and fire at once.
  if (!(timeoutS >= 0.001 && timeoutS <= 86_400)) {
    throw new UsageError(`invalid --timeout "${String(raw.timeout)}": seconds, from 0.001 to 86400`);
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
    timeoutMs: Math.round(timeoutS * 1000),
    retries,
    quiet,
    verbose: Boolean(raw.verbose),
    progress: raw.progress !== false && !quiet && io.stderrIsTTY && output !== 'json' && output !== 'ndjson',
    color: raw.color !== false && io.color,
    endpointUrl,
    region: raw.region === undefined ? undefined : String(raw.region),
    profile: raw.profile === undefined ? undefined : String(raw.profile),
    signRequest: raw.signRequest !== false,
  };
}

function parseBaseUrl(value: string): string {
  const url = new URL(parseHttpUrl(value, '--base-url'));
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
