import type { NeuroVaultClient } from './client.js';
import { createCollection, COLLECTION_READ_ONLY } from './publish.js';
import { bareDoi, invalidDoi } from './refs.js';
import type { Collection } from './schemas.js';
import { tokenInUrl, usableToken } from './private.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { HttpError } from '../http/errors.js';

export interface NewCollection {
  /** Either a name, or a DOI from which the server fills name, authors and journal (Crossref). */
  name?: string;
  doi?: string;
  description?: string;
  private?: boolean;
  /** Other fields as `key=value` (a string) or `key:=<json>`. */
  field?: string[];
}

/** The JSON body, or a UsageError before anything is sent. */
export function collectionBody(opts: NewCollection): Record<string, unknown> {
  const name = opts.name?.trim();
  const doi = opts.doi?.trim();
  if (opts.name !== undefined && opts.doi !== undefined) {
    throw new UsageError('give either --name or --doi, not both', {
      hint: 'with --doi the server fills the name, authors and journal from Crossref',
    });
  }
  if (opts.name === undefined && opts.doi === undefined) {
    throw new UsageError('missing --name or --doi', { hint: 'neurovault collections create --name "My study"' });
  }
  const body: Record<string, unknown> = {};
  if (opts.name !== undefined) {
    if (!name) throw new UsageError('--name must not be empty');
    body.name = name;
  } else {
    body.DOI = doiToSend(doi ?? '');
  }
  if (opts.description !== undefined) body.description = opts.description;
  // JSON booleans: the server's `private` is a choice field that rejects the string "true".
  if (opts.private) body.private = true;
  for (const spec of opts.field ?? []) {
    const [key, value] = parseField(spec);
    if (key in body || key === 'name' || key === 'DOI' || key === 'description' || key === 'private') {
      throw new UsageError(`--field ${key}: set it with --${key === 'DOI' ? 'doi' : key} instead`);
    }
    if (COLLECTION_READ_ONLY.has(key)) throw new UsageError(`--field ${key}: the server sets this field itself`);
    body[key] = value;
  }
  return body;
}

/**
 * `key=value` sends a string, which the server converts for number and boolean fields; `key:=json`
 * (HTTPie's spelling) sends a JSON value, for lists such as `communities:=[3]` or an explicit null.
 */
function parseField(spec: string): [string, unknown] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`invalid --field "${spec}": expected key=value or key:=<json>`);
  const isJson = spec[eq - 1] === ':';
  const key = spec.slice(0, isJson ? eq - 1 : eq).trim();
  const raw = spec.slice(eq + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`invalid --field "${spec}": "${key}" is not a field name`);
  if (!isJson) return [key, raw];
  try {
    return [key, JSON.parse(raw) as unknown];
  } catch {
    throw new UsageError(`invalid --field "${spec}": the value after := must be JSON`);
  }
}

/** Crossref is asked with the DOI as given, so only a `doi:` or resolver prefix is removed, never case. */
function doiToSend(input: string): string {
  const doi = bareDoi(input);
  if (!doi) throw invalidDoi(input);
  return doi;
}

/** The token the API resolves a private collection by (only its web URL shows it), or undefined. */
export function privateTokenOf(c: Collection): string | undefined {
  const token = tokenInUrl(c.url);
  return usableToken(token) ? token : undefined;
}

/**
 * Creates a collection from checked settings. A private one is addressed by its token afterwards (its
 * numeric id answers 403): `privateToken`, when its URL carries one the API resolves (see api/private.ts).
 */
export async function newCollection(
  client: NeuroVaultClient,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<{ collection: Collection; privateToken?: string }> {
  const collection = await createCollection(client, body, signal).catch((err: unknown) => {
    throw rejected('collections create', err);
  });
  return { collection, privateToken: privateTokenOf(collection) };
}

/** A DRF 400 as `field: message` lines under one heading (exit 2); anything else unchanged. */
export function rejected(what: string, err: unknown): unknown {
  if (!(err instanceof HttpError) || err.status !== 400) return err;
  const lines = err.fieldErrors.length ? err.fieldErrors : [err.detail ?? 'no reason given'];
  return new CliError(`${what}: the server rejected the input:\n${lines.join('\n')}`, {
    exitCode: ExitCode.usage,
    cause: err,
  });
}
