import type { FormData } from 'undici';
import type { NeuroVaultClient } from './client.js';
import { parseBody } from './client.js';
import { collectionRefPath, type CollectionRef } from './refs.js';
import { Collection, Image } from './schemas.js';

/** One accepted value of a server choice field: what is sent, and what the server shows back. */
export interface Choice {
  code: string;
  label: string;
}

/**
 * Choice tables of the statistic-map upload (API.md §5, NeuroVault `models.py`). Codes go in, labels
 * come back (`T` → `"T map"`), so users will paste either; both are accepted and the code is sent.
 */
export const MAP_TYPES: readonly Choice[] = [
  { code: 'T', label: 'T map' },
  { code: 'Z', label: 'Z map' },
  { code: 'F', label: 'F map' },
  { code: 'X2', label: 'Chi squared map' },
  { code: 'P', label: 'P map (given null hypothesis)' },
  { code: 'IP', label: '1-P map ("inverted" probability)' },
  { code: 'M', label: 'multivariate-beta map' },
  { code: 'U', label: 'univariate-beta map' },
  { code: 'R', label: 'ROI/mask' },
  { code: 'Pa', label: 'parcellation' },
  { code: 'A', label: 'anatomical' },
  { code: 'V', label: 'variance' },
  { code: 'Other', label: 'other' },
];

export const ANALYSIS_LEVELS: readonly Choice[] = [
  { code: 'S', label: 'single-subject' },
  { code: 'G', label: 'group' },
  { code: 'M', label: 'meta-analysis' },
  { code: 'Other', label: 'other' },
];

const same = (codes: string[]): Choice[] => codes.map((code) => ({ code, label: code }));

/** Modality codes are their own labels; pynv's README spellings (`fMRI_BOLD`) are wrong and rejected. */
export const MODALITIES: readonly Choice[] = same([
  'fMRI-BOLD',
  'fMRI-CBF',
  'fMRI-CBV',
  'Diffusion MRI',
  'Structural MRI',
  'PET FDG',
  'PET [15O]-water',
  'PET other',
  'MEG',
  'EEG',
  'Other',
]);

export const TEMPLATES: readonly Choice[] = same(['GenericMNI', 'Dorr2008', 'NMT', 'MNI152NLin2009cAsym']);
export const DATA_ORIGINS: readonly Choice[] = same(['volume', 'surface']);

/** Upload fields whose value the server checks against a choice table. */
export const CHOICE_FIELDS: Readonly<Record<string, readonly Choice[]>> = {
  map_type: MAP_TYPES,
  analysis_level: ANALYSIS_LEVELS,
  modality: MODALITIES,
  target_template_image: TEMPLATES,
  data_origin: DATA_ORIGINS,
};

/**
 * The code for a code or label, compared case-insensitively (`t`, `T map`, `t MAP` → `T`): the server
 * shows labels, so that is what people copy from an existing image.
 */
export function resolveChoice(table: readonly Choice[], input: string): string | undefined {
  const wanted = input.trim().toLowerCase();
  if (wanted === '') return undefined;
  return (
    table.find((c) => c.code.toLowerCase() === wanted)?.code ?? table.find((c) => c.label.toLowerCase() === wanted)?.code
  );
}

/** `T (T map), Z (Z map), …` or `fMRI-BOLD, …`: what an error message offers instead. */
export function describeChoices(table: readonly Choice[]): string {
  return table.map((c) => (c.code === c.label ? c.code : `${c.code} (${c.label})`)).join(', ');
}

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
