// Response objects are cloned from the real 2020 recordings (test/fixtures/samples/pynv-2020) so
// field names, order, nulls and "" match what neurovault.org served. Atlas and NIDM-statmap shapes
// have no recording; they are derived from the statistic-map template per API.md §4.2.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type JsonObject = Record<string, unknown>;

/** Repo root, whether running compiled (dist/test/standin) or from source (test/standin). */
export function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = here.split(path.sep).slice(-3).join('/') === 'dist/test/standin';
  return path.resolve(here, compiled ? '../../..' : '../..');
}

export const SAMPLES_DIR = path.join(repoRoot(), 'test', 'fixtures', 'samples');

export function readSample(era: 'pynv-2016' | 'pynv-2020', name: string): unknown {
  return JSON.parse(readFileSync(path.join(SAMPLES_DIR, era, `${name}.json`), 'utf8'));
}

const sample = (name: string) => readSample('pynv-2020', name) as JsonObject;

/**
 * The 2025 shapes (API.md §4, §12; NeuroVault commits 0321596f, 1d9c2ebe, 3230e357), derived from the
 * recordings: collections gain `publication_status` (before `DOI`) and `preprint_DOI` (after it); images
 * say `sex` where they said `gender`. No response of the 2025 app was recorded, so this is built, not copied.
 */
export function collection2025(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'DOI') out.publication_status = null;
    out[k] = v;
    if (k === 'DOI') out.preprint_DOI = null;
  }
  return out;
}

export function image2025(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) out[k === 'gender' ? 'sex' : k] = v;
  return out;
}

/** Web-created collection: "" for empty strings. */
export const WEB_COLLECTION: JsonObject = sample('read_collection');
/** API-created collection: null for empty strings. */
export const API_COLLECTION: JsonObject = sample('create_collection');
export const STATMAP: JsonObject = sample('add_image');
export const RECORDED_1615_IMAGES = (sample('get_collection_images').results as JsonObject[]);

const SM_ONLY = [
  'cognitive_paradigm_cogatlas', 'cognitive_paradigm_cogatlas_id', 'cognitive_contrast_cogatlas',
  'cognitive_contrast_cogatlas_id', 'modality', 'statistic_parameters', 'smoothness_fwhm',
  'contrast_definition', 'contrast_definition_cogatlas', 'cognitive_paradigm_description_url',
];
const STATMAP_BASE = ['map_type', 'analysis_level', 'is_thresholded', 'perc_bad_voxels', 'not_mni',
  'brain_coverage', 'perc_voxels_outside', 'number_of_subjects'];

function without(obj: JsonObject, drop: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!drop.includes(k)) out[k] = v;
  return out;
}

/** Inferred (no recording): base image fields + `data` + `label_description_file`, no map_type/modality. */
export const ATLAS: JsonObject = (() => {
  const base = without(STATMAP, [...SM_ONLY, ...STATMAP_BASE, 'image_type']);
  return { ...base, data: {}, label_description_file: null, image_type: 'atlas' };
})();

/** Inferred (no recording): base + statmap-base fields + `data`, `nidm_results`, `nidm_results_ttl`. */
export const NIDM_STATMAP: JsonObject = (() => {
  const base = without(STATMAP, [...SM_ONLY, 'image_type']);
  return {
    ...base, analysis_level: 'other', number_of_subjects: 0, data: {},
    nidm_results: null, nidm_results_ttl: null, image_type: 'NIDM results statistic map',
  };
})();

export const MAP_TYPES: Record<string, string> = {
  T: 'T map', Z: 'Z map', F: 'F map', X2: 'Chi squared map', P: 'P map (given null hypothesis)',
  IP: '1-P map ("inverted" probability)', M: 'multivariate-beta map', U: 'univariate-beta map',
  R: 'ROI/mask', Pa: 'parcellation', A: 'anatomical', V: 'variance', Other: 'other',
};
export const ANALYSIS_LEVELS: Record<string, string> = { S: 'single-subject', G: 'group', M: 'meta-analysis', Other: 'other' };
export const MODALITIES = ['fMRI-BOLD', 'fMRI-CBF', 'fMRI-CBV', 'Diffusion MRI', 'Structural MRI', 'PET FDG',
  'PET [15O]-water', 'PET other', 'MEG', 'EEG', 'Other'];
export const TEMPLATES = ['GenericMNI', 'Dorr2008', 'NMT', 'MNI152NLin2009cAsym'];
export const DATA_ORIGINS = ['volume', 'surface'];

/** Cognitive Atlas ids seen in the recordings → the names the server renders. */
export const COGATLAS_TASKS: Record<string, string> = {
  trm_550b50095d4a3: 'working memory fMRI task paradigm',
  trm_5667451917a34: '2-stage decision task',
  trm_523df616da8a6: 'adolescent symptom inventory',
  // the id API.md uses as its upload example; its real name is not recorded, so this label is made up
  trm_4f24126c22011: 'stand-in task (trm_4f24126c22011)',
};

/** Keys the statistic-map serializer owns; anything else in an upload is user metadata. */
export const STATMAP_FIELDS = new Set(Object.keys(STATMAP));

/** Collection fields a client may write (API.md §7.1). */
export const COLLECTION_WRITABLE = Object.keys(API_COLLECTION).filter(
  (k) => !['id', 'url', 'download_url', 'owner', 'owner_name', 'number_of_images', 'add_date',
    'modify_date', 'doi_add_date', 'contributors', 'communities'].includes(k),
);

/** Templates are flat apart from `communities`/`data`; a one-level copy is enough and keeps
 * seeding thousands of objects fast (structuredClone is ~10x slower here). */
export function clone(o: JsonObject, skip?: string): JsonObject {
  const out: JsonObject = {};
  for (const k in o) {
    if (k === skip) continue;
    const v = o[k];
    out[k] = Array.isArray(v) ? v.slice() : v !== null && typeof v === 'object' ? { ...(v as JsonObject) } : v;
  }
  return out;
}
