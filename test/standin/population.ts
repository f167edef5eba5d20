// A NeuroVault-sized population for the catalogue benchmarks: ~10,000 collections holding ~270,000
// images, with the recorded objects' field sets (the templates) and text that reads like the real
// server's (paper titles, contrasts, Cognitive Atlas tasks). Deterministic, and cheap to start: images
// are only built when first listed (Store.defer).
// The recordings carry little free text (test names and three Cognitive Atlas tasks), so the word lists
// below are curated from common NeuroVault vocabulary; the recorded task names are among them.
import { pick, prng, hashString } from './prng.js';
import { isoDate, type CollectionRecord, type ImageInit, type Store } from './store.js';
import { COGATLAS_TASKS } from './templates.js';

export interface PopulationOptions {
  collections: number;
  images: number;
}

const TASKS = [
  ...Object.values(COGATLAS_TASKS).slice(0, 3),
  'n-back task', 'stop signal task', 'Stroop task', 'flanker task', 'go/no-go task', 'monetary incentive delay task',
  'emotional face matching', 'Sternberg item recognition task', 'delay discounting task', 'balloon analogue risk task',
  'theory of mind task', 'passive listening', 'finger tapping task', 'resting state', 'mental rotation task',
  'probabilistic reversal learning', 'semantic decision task', 'visual oddball task', 'pain stimulation', 'social reward task',
];
const TASK_IDS = ['trm_550b50095d4a3', 'trm_5667451917a34', 'trm_523df616da8a6', 'trm_4f24126c22011', 'tsk_4a57abb949bcd', 'tsk_4a57abb949e1a'];
const CONSTRUCTS = [
  'working memory', 'response inhibition', 'reward anticipation', 'emotion regulation', 'face perception',
  'episodic memory encoding', 'language comprehension', 'attentional control', 'decision making', 'motor control',
  'fear conditioning', 'social cognition', 'pain processing', 'reading', 'spatial navigation', 'default mode network',
  'cognitive control', 'auditory processing', 'visual attention', 'self-referential processing',
];
const POPULATIONS = [
  'healthy adults', 'older adults', 'adolescents', 'children', 'patients with schizophrenia', 'patients with major depression',
  'individuals with autism spectrum disorder', 'smokers', 'patients with Parkinson disease', 'bilingual speakers',
];
const TITLE_FORMS = [
  (c: string, p: string) => `Neural correlates of ${c} in ${p}`,
  (c: string, p: string) => `Meta-analysis of ${c}: a coordinate-based study`,
  (c: string, p: string) => `Altered ${c} networks in ${p}`,
  (c: string, p: string) => `Individual differences in ${c} among ${p}`,
  (c: string) => `A large-scale fMRI study of ${c}`,
  (c: string, p: string) => `Age-related changes in ${c} (${p})`,
];
const JOURNALS = ['NeuroImage', 'Cerebral Cortex', 'Human Brain Mapping', 'Journal of Neuroscience', 'eLife', 'Nature Communications', 'Brain', 'Scientific Data'];
const SURNAMES = ['Poldrack', 'Gorgolewski', 'Smith', 'Nichols', 'Yarkoni', 'Laird', 'Eickhoff', 'Wager', 'Chen', 'Garcia', 'Müller', 'Kim', 'Rossi', 'Nakamura', 'Dubois', 'Okafor'];
const CONTRAST_PARTS = ['2-back', '0-back', 'stop', 'go', 'incongruent', 'congruent', 'faces', 'shapes', 'gain', 'loss', 'rest', 'task', 'words', 'pseudowords', 'high load', 'low load'];
const MAP_TYPES = ['T map', 'T map', 'T map', 'Z map', 'Z map', 'F map', 'other', 'univariate-beta map', 'P map (given null hypothesis)', 'ROI/mask', 'anatomical', 'parcellation', 'variance'];
const MODALITIES = ['fMRI-BOLD', 'fMRI-BOLD', 'fMRI-BOLD', 'fMRI-BOLD', 'Structural MRI', 'Diffusion MRI', 'PET FDG', 'MEG', 'fMRI-CBF'];
const LEVELS = ['group', 'group', 'single-subject', 'meta-analysis', 'other', null];
const SOFTWARE = ['SPM', 'FSL', 'AFNI', 'FreeSurfer', 'nilearn', ''];

/** Image counts per collection: skewed like the real server (many small, a few with thousands), summing to `total`. */
function imageCounts(collections: number, total: number): number[] {
  const weights = Array.from({ length: collections }, (_, i) => {
    const r = prng(hashString(`pop-size:${i}`))();
    return 0.02 + r ** 4;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % collections, left--) counts[i]!++;
  return counts;
}

function authors(rnd: () => number): string {
  const n = 2 + Math.floor(rnd() * 6);
  return Array.from({ length: n }, () => `${pick(rnd, SURNAMES)} ${String.fromCharCode(65 + Math.floor(rnd() * 26))}`).join(', ');
}

function populationImage(store: Store, c: CollectionRecord, id: number, i: number, construct: string, task: string): ImageInit {
  const rnd = prng(hashString(`pop-img:${id}`));
  const t = Date.UTC(2014, 0, 1) + Math.floor(rnd() * 10 * 365) * 86400_000 + i * 1000;
  const a = pick(rnd, CONTRAST_PARTS);
  const b = pick(rnd, CONTRAST_PARTS);
  const contrast = `${a} > ${b}`;
  const mapType = pick(rnd, MAP_TYPES);
  const meta: Record<string, unknown> = {};
  if (rnd() < 0.3) meta.task = task;
  if (rnd() < 0.2) meta.contrast_id = i + 1;
  if (rnd() < 0.1) meta.scanner_site = pick(rnd, ['Leipzig', 'Stanford', 'Oxford', 'Montreal', 'Tokyo']);
  return {
    id,
    name: rnd() < 0.7 ? `${construct}: ${contrast}` : `${pick(rnd, ['spmT', 'zstat', 'tstat', 'con'])}_${String(i + 1).padStart(4, '0')}`,
    description: rnd() < 0.5 ? `${mapType} for the contrast ${contrast} during the ${task}, ${pick(rnd, POPULATIONS)}.` : '',
    add_date: isoDate(t), modify_date: isoDate(t + 3_600_000),
    is_valid: rnd() < 0.8,
    map_type: mapType,
    modality: pick(rnd, MODALITIES),
    analysis_level: pick(rnd, LEVELS),
    number_of_subjects: rnd() < 0.4 ? null : 8 + Math.floor(rnd() * 400),
    not_mni: rnd() < 0.08,
    is_thresholded: rnd() < 0.12,
    cognitive_paradigm_cogatlas: rnd() < 0.6 ? task : null,
    cognitive_paradigm_cogatlas_id: rnd() < 0.6 ? pick(rnd, TASK_IDS) : null,
    cognitive_contrast_cogatlas: rnd() < 0.2 ? `${construct} contrast` : null,
    contrast_definition: rnd() < 0.5 ? contrast : null,
    brain_coverage: Math.round(600 + rnd() * 400) / 10,
    perc_voxels_outside: Math.round(rnd() * 100) / 10,
    thumbnail: `${store.apiOrigin}/media/images/${c.id}/glass_brain_${id}.jpg`,
    reduced_representation: rnd() < 0.9 ? `${store.apiOrigin}/media/images/${c.id}/transform_4mm_${id}.npy` : null,
    $filename: `image_${id}.nii.gz`,
    $meta: meta,
  };
}

function populationCollection(store: Store, n: number, images: number): void {
  const rnd = prng(hashString(`pop-coll:${n}`));
  const construct = pick(rnd, CONSTRUCTS);
  const population = pick(rnd, POPULATIONS);
  const task = pick(rnd, TASKS);
  const hasDoi = rnd() < 0.6;
  const t = Date.UTC(2013, 0, 1) + Math.floor(rnd() * 11 * 365) * 86400_000;
  const c = store.addCollection({
    $template: rnd() < 0.3 ? 'api' : 'web',
    owner: 5000 + (n % 3000),
    owner_name: `user${n % 3000}`,
    name: `${pick(rnd, TITLE_FORMS)(construct, population)}${rnd() < 0.3 ? ` (${task})` : ''}`,
    DOI: hasDoi ? `10.${1000 + Math.floor(rnd() * 9000)}/nv.${n}` : null,
    authors: hasDoi ? authors(rnd) : '',
    journal_name: hasDoi ? pick(rnd, JOURNALS) : '',
    paper_url: hasDoi ? `https://doi.org/10.9999/nv.${n}` : '',
    description: rnd() < 0.6
      ? `Statistical maps from a study of ${construct} using the ${task} in ${population}. ${rnd() < 0.5 ? 'Group-level results, whole brain.' : 'Unthresholded maps in MNI space.'}`
      : '',
    add_date: isoDate(t), modify_date: isoDate(t + 86400_000 * Math.floor(1 + rnd() * 300)),
    doi_add_date: hasDoi ? isoDate(t + 60_000) : null,
    number_of_experimental_units: rnd() < 0.5 ? 10 + Math.floor(rnd() * 500) : null,
    software_package: pick(rnd, SOFTWARE),
    field_strength: rnd() < 0.5 ? pick(rnd, [1.5, 3, 7]) : null,
    coordinate_space: rnd() < 0.5 ? 'mni' : null,
  });
  store.defer(c, images, (ids) => {
    ids.forEach((id, i) => store.addImage(c, populationImage(store, c, id, i, construct, task)));
  });
}

/** Adds the population after the fixed seeds; returns the id of its first collection. */
export function addPopulation(store: Store, opts: PopulationOptions): number {
  const first = store.nextCollectionId;
  const counts = imageCounts(opts.collections, opts.images);
  for (let n = 0; n < opts.collections; n++) populationCollection(store, n, counts[n]!);
  return first;
}
