import type { FormData } from 'undici';
import type { NeuroVaultClient } from './client.js';
import { parseBody } from './client.js';
import { collectionRefPath, type CollectionRef } from './refs.js';
import { Collection, Image } from './schemas.js';

export {
  ANALYSIS_LEVELS,
  CHOICE_FIELDS,
  DATA_ORIGINS,
  MAP_TYPES,
  MODALITIES,
  TEMPLATES,
  describeChoices,
  resolveChoice,
  type Choice,
} from './choices.js';

/** Collection fields the server fills itself; sending them is silently ignored, so the CLI refuses them. */
export const COLLECTION_READ_ONLY = new Set([
  'id',
  'url',
  'download_url',
  'owner',
  'owner_name',
  'number_of_images',
  'add_date',
  'modify_date',
  'doi_add_date',
  'contributors',
]);

/**
 * POST /api/collections/ (JSON). Retried only when the connection failed before anything was sent: a
 * repeated create would fail on the unique name, or worse, create a second collection by DOI.
 */
export async function createCollection(
  client: NeuroVaultClient,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Collection> {
  const url = client.apiUrl('collections');
  const data = await client.transport.json({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    retry: 'unsent',
    signal,
  });
  return parseBody(Collection, data, url);
}

/** The upload endpoint of a collection; a private one must be addressed by its token (numeric id → 403). */
export function imageUploadUrl(client: NeuroVaultClient, ref: CollectionRef): URL {
  return client.apiUrl(`collections/${collectionRefPath(ref)}/images`);
}

/**
 * POST /api/collections/{id}/images/ (multipart). `form` is called once per attempt because a file
 * part is a stream that cannot be replayed; the transport never follows a redirect for a POST (a
 * redirected upload turns into a GET that "succeeds" with the list) and retries only unsent requests,
 * so one call creates at most one image.
 */
export async function uploadImage(
  client: NeuroVaultClient,
  ref: CollectionRef,
  form: () => Promise<FormData>,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Image> {
  const url = imageUploadUrl(client, ref);
  const data = await client.transport
    .json({
      method: 'POST',
      url,
      body: form,
      retry: 'unsent',
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    })
    .catch(async (err: unknown) => {
      throw await client.explainForbidden(err, ref, opts.signal);
    });
  return parseBody(Image, data, url);
}
