// Validation and creation for the two write endpoints the CLI uses, mirroring DRF error shapes:
// field errors first ({"field": [msg]}), then cross-field ({"non_field_errors": [msg]}).
import { createHash } from 'node:crypto';
import type { FilePart, ParsedForm } from './multipart.js';
import { isoDate, type CollectionRecord, type ImageRecord, type Store, type User } from './store.js';
import {
  ANALYSIS_LEVELS, COGATLAS_TASKS, COLLECTION_WRITABLE, DATA_ORIGINS, MAP_TYPES, MODALITIES, STATMAP_FIELDS,
  TEMPLATES, type JsonObject,
} from './templates.js';

export type Errors = Record<string, string[]>;
export type Result<T> = { ok: true; value: T } | { ok: false; status: number; body: unknown };

/** Synthetic Crossref: the seed DOI plus any 10.5555/neurovault-standin.<n> resolve. */
export const SEED_DOI = '10.1016/j.neurobiolaging.2012.11.002';
export function resolveDoi(doi: string): JsonObject | undefined {
  if (doi === SEED_DOI) {
    return {
      // synthetic metadata: plausible, not the real paper's
      name: 'Regional grey matter changes in healthy ageing (stand-in)',
      authors: 'A. Example, B. Sample, C. Placeholder',
      paper_url: `https://doi.org/${SEED_DOI}`,
      journal_name: 'Neurobiology of Aging',
    };
  }
  const m = /^10\.5555\/neurovault-standin\.(\d+)$/.exec(doi);
  if (m) {
    return { name: `Stand-in paper ${m[1]}`, authors: 'Stand-in Author', paper_url: `https://doi.org/${doi}`, journal_name: 'Journal of Stand-ins' };
  }
  return undefined;
}

/** Like `uuid4()[:8]`, but deterministic, and never all digits (which would read as an id). */
function hexTokenFor(id: number): string {
  const hex = createHash('sha256').update(`private:${id}`).digest('hex').slice(0, 8);
  return /^\d+$/.test(hex) ? `a${hex.slice(1)}` : hex;
}

const blankOrNull = (v: unknown) => v === undefined || v === null || v === '';

export function createCollection(store: Store, user: User, body: JsonObject, fromForm: boolean): Result<CollectionRecord> {
  const errors: Errors = {};
  const values: JsonObject = {};
  for (const key of COLLECTION_WRITABLE) {
    if (!(key in body)) continue;
    const v = body[key];
    if (key === 'private') {
      // ChoiceField with boolean keys: str(value) must be 'True' or 'False'
      const s = typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
      if (s === 'True' || s === 'False') values.private = s === 'True';
      else errors.private = [`"${s}" is not a valid choice.`];
      continue;
    }
    if (key === 'name') {
      if (v === null) { errors.name = ['This field may not be null.']; continue; }
      const s = String(v).trim();
      if (s === '') { errors.name = ['This field may not be blank.']; continue; }
      if (s.length > 200) { errors.name = ['Ensure this field has no more than 200 characters.']; continue; }
      if ([...store.collections.values()].some((c) => c.obj.name === s)) {
        errors.name = ['collection with this Name of collection already exists.'];
        continue;
      }
      values.name = s;
      continue;
    }
    if (key === 'DOI') {
      if (blankOrNull(v)) continue;
      const s = String(v).trim();
      if ([...store.collections.values()].some((c) => c.obj.DOI === s)) {
        errors.DOI = ['collection with this DOI already exists.'];
        continue;
      }
      values.DOI = s;
      continue;
    }
    values[key] = fromForm && v === '' ? null : v;
  }
  if (Object.keys(errors).length) return { ok: false, status: 400, body: errors };
  const hasName = values.name !== undefined;
  const hasDoi = values.DOI !== undefined;
  if (hasName === hasDoi) return { ok: false, status: 400, body: { non_field_errors: ['Specify either "name" or "DOI"'] } };
  if (hasDoi) {
    const paper = resolveDoi(values.DOI as string);
    if (!paper) return { ok: false, status: 400, body: { non_field_errors: ['Could not resolve DOI'] } };
    if ([...store.collections.values()].some((c) => c.obj.name === paper.name)) {
      return { ok: false, status: 400, body: { name: ['collection with this Name of collection already exists.'] } };
    }
    Object.assign(values, paper);
  }
  const now = Date.now();
  // The real app mints `uuid4()[:8]` (lower-case hex) in get_absolute_url(), which get_collection's
  // ^[A-Z]{8}$ never resolves (API.md §12); the stand-in's default keeps a usable 8-letter token.
  const hexToken = store.realApp && values.private === true ? hexTokenFor(store.nextCollectionId) : undefined;
  const rec = store.addCollection({
    $template: 'api', ...values, ...(hexToken ? { $token: hexToken } : {}), owner: user.id, owner_name: user.username,
    add_date: isoDate(now), modify_date: isoDate(now + 1), doi_add_date: hasDoi ? isoDate(now) : null,
  });
  return { ok: true, value: rec };
}

/** Python json.loads on stored metadata strings; NaN/Infinity become null like the serializer does. */
function reparse(value: string): unknown {
  if (/^\s*-?(NaN|Infinity)\s*$/.test(value)) return null;
  try { return JSON.parse(value); } catch { return value; }
}

/** Django get_valid_filename(os.path.basename(name)). */
function validFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  return base.trim().replace(/ /g, '_').replace(/[^-\w.]/g, '');
}

function parseNumber(v: string, integer: boolean): number | null | string {
  if (v.trim() === '') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    return integer ? 'A valid integer is required.' : 'A valid number is required.';
  }
  return n;
}

const CHOICES: Record<string, readonly string[]> = {
  map_type: Object.keys(MAP_TYPES),
  modality: MODALITIES,
  analysis_level: Object.keys(ANALYSIS_LEVELS),
  target_template_image: TEMPLATES,
  data_origin: DATA_ORIGINS,
  handedness: ['L', 'R'],
  gender: ['M', 'F', 'O'],
  race: ['W', 'B', 'I', 'A', 'H'],
  ethnicity: ['H', 'NH'],
  tanner_stage: ['I', 'II', 'III', 'IV', 'V'],
};
const INT_FIELDS = ['number_of_subjects'];
const FLOAT_FIELDS = ['statistic_parameters', 'smoothness_fwhm', 'age', 'BMI', 'fat_percentage', 'waist_hip_ratio',
  'mean_PDS_score', 'days_since_menstruation', 'hours_since_last_meal', 'bis_bas_score', 'spsrq_score', 'bis11_score'];
const TEXT_FIELDS = ['description', 'figure', 'contrast_definition', 'cognitive_paradigm_description_url', 'subject_species'];
const OPTIONAL_BLANK_TO_NULL = new Set(['analysis_level', 'handedness', 'gender', 'race', 'ethnicity', 'tanner_stage']);

export function uploadStatmap(store: Store, c: CollectionRecord, form: ParsedForm): Result<ImageRecord> {
  const field = (n: string) => form.fields.find((f) => f.name === n)?.value;
  const errors: Errors = {};
  const set: JsonObject = {};
  const meta: JsonObject = {};

  const name = field('name');
  if (name === undefined) errors.name = ['This field is required.'];
  else if (name.trim() === '') errors.name = ['This field may not be blank.'];
  else set.name = name.trim();

  for (const key of ['map_type', 'modality']) {
    const v = field(key);
    if (v === undefined) errors[key] = ['This field is required.'];
    else if (!CHOICES[key]!.includes(v)) errors[key] = [`"${v}" is not a valid choice.`];
  }

  const fileParts = form.files.filter((f) => f.name === 'file');
  let file: FilePart | undefined = fileParts[fileParts.length - 1];
  if (!file) {
    errors.file = field('file') !== undefined
      ? ['The submitted data was not a file. Check the encoding type on the form.']
      : ['No file was submitted.'];
  } else if (file.filename === '') {
    errors.file = ['No filename could be determined.'];
  } else if (file.bytes.length === 0) {
    errors.file = ['The submitted file is empty.'];
  } else if (file.bytes[0] !== 0x1f || file.bytes[1] !== 0x8b) {
    // the server opens uploads with GzipFile; a plain .nii fails there
    errors.file = ['The file could not be read as a gzip-compressed NIfTI image (.nii.gz): Not a gzipped file.'];
  }

  for (const [key, choices] of Object.entries(CHOICES)) {
    if (key === 'map_type' || key === 'modality') continue;
    const v = field(key);
    if (v === undefined) continue;
    if (v === '' && OPTIONAL_BLANK_TO_NULL.has(key)) { set[key] = null; continue; }
    if (!choices.includes(v)) errors[key] = [`"${v}" is not a valid choice.`];
    else set[key] = key === 'analysis_level' ? ANALYSIS_LEVELS[v] : v;
  }
  for (const key of [...INT_FIELDS, ...FLOAT_FIELDS]) {
    const v = field(key);
    if (v === undefined) continue;
    const n = parseNumber(v, INT_FIELDS.includes(key));
    if (typeof n === 'string') errors[key] = [n];
    else set[key] = n;
  }
  for (const key of TEXT_FIELDS) {
    const v = field(key);
    if (v !== undefined) set[key] = v;
  }
  for (const [key, idKey] of [['cognitive_paradigm_cogatlas', 'cognitive_paradigm_cogatlas_id'], ['cognitive_contrast_cogatlas', 'cognitive_contrast_cogatlas_id']] as const) {
    const v = field(key);
    if (v === undefined || v === '') continue;
    const label = key === 'cognitive_paradigm_cogatlas' ? COGATLAS_TASKS[v] : undefined;
    if (!label) errors[key] = [`Invalid pk "${v}" - object does not exist.`];
    else { set[key] = label; set[idKey] = v; }
  }
  if (Object.keys(errors).length) {
    // required-field errors first, in the order the server's test pins
    const ordered: Errors = {};
    for (const k of ['name', 'map_type', 'modality', 'file']) if (errors[k]) ordered[k] = errors[k]!;
    for (const [k, v] of Object.entries(errors)) if (!ordered[k]) ordered[k] = v;
    return { ok: false, status: 400, body: ordered };
  }

  for (const f of form.fields) {
    if (STATMAP_FIELDS.has(f.name) || f.name === 'file') continue;
    meta[f.name] = reparse(f.value);
  }
  file = file!;
  const now = Date.now();
  const rec = store.addImage(c, {
    ...set,
    map_type: MAP_TYPES[field('map_type')!],
    modality: field('modality'),
    add_date: isoDate(now), modify_date: isoDate(now + 1),
    is_valid: false,
    $filename: validFileName(file.filename) || 'image.nii.gz',
    $meta: meta,
  }, {
    fields: form.fields,
    file: { field: 'file', filename: file.filename, contentType: file.contentType, size: file.bytes.length },
    bytes: file.bytes,
  });
  return { ok: true, value: rec };
}
