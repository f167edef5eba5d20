// Fixed seed collections that tests and benchmarks rely on, plus synthetic bulk collections.
// Everything is deterministic: same options → same ids, objects and file bytes.
import { pick, prng, hashString } from './prng.js';
import { isoDate, type CollectionRecord, type ImageInit, type Store } from './store.js';
import { COGATLAS_TASKS, RECORDED_1615_IMAGES, readSample, type JsonObject } from './templates.js';
import { SEED_DOI, resolveDoi } from './writes.js';
import type { MapSpec } from './stat-map.js';

export interface SeedIds {
  seedDoiCollectionId: number;
  bigCollectionId: number;
  sixtyCollectionId: number;
  privateCollectionId: number;
  privateToken: string;
  brokenFilesCollectionId: number;
  missingFileImageId: number;
  hostileFileImageId: number;
  htmlTrapCollectionId: number;
  /** collection whose two images (396069, the README's, and 396070) are statistical maps on the MNI grid */
  mapsCollectionId: number;
  recordedCollectionIds: [8477, 1615];
  /** realApp only: a collection known by its preprint's DOI alone (SEED.preprintDoi) */
  preprintCollectionId?: number;
  /** first synthetic collection id (they are consecutive) */
  firstSyntheticCollectionId: number;
}

export const SEED = {
  doi: 4510, big: 4511, sixty: 4512, private: 4513, broken: 4514, htmlTrap: 4515, maps: 4517,
  privateToken: 'QXKZTRWM',
  preprint: 4516,
  /** realApp: the DOI seed's preprint, and the preprint-only collection's */
  seedPreprintDoi: '10.1101/2012.09.27.123456',
  preprintDoi: '10.1101/2024.05.06.592011',
  bigImages: 1250, sixtyImages: 60,
  /** owner of the seeds that the default user must NOT be able to write to */
  otherOwner: { id: 2201, username: 'nv_curator' },
} as const;

/**
 * The maps' blobs: a working-memory contrast (fronto-parietal up, default mode down; the right DLPFC peak
 * highest, so a left/right mix-up shows) and a face contrast (fusiform and amygdala, right-lateralised).
 */
const MAPS: Record<number, { name: string; file: string; spec: MapSpec }> = {
  396069: {
    name: '2-back > 0-back', file: 'tstat_2back_vs_0back.nii.gz',
    spec: {
      seed: 396069, intent: { code: 3, dof: 42 }, description: 'stand-in T map: 2-back > 0-back',
      blobs: [
        { mm: [44, 34, 30], sigma: 7, peak: 7.8 }, { mm: [-42, 32, 30], sigma: 7, peak: 6.4 },
        { mm: [38, -54, 46], sigma: 8, peak: 6.2 }, { mm: [-34, -56, 44], sigma: 8, peak: 5.9 },
        { mm: [4, 18, 48], sigma: 6, peak: 5.2 },
        { mm: [0, -54, 28], sigma: 9, peak: -4.6 }, { mm: [0, 52, 2], sigma: 9, peak: -3.9 },
      ],
    },
  },
  396070: {
    name: 'faces > shapes', file: 'zstat_faces_vs_shapes.nii.gz',
    spec: {
      seed: 396070, intent: { code: 5 }, description: 'stand-in Z map: faces > shapes',
      blobs: [
        { mm: [40, -52, -20], sigma: 6, peak: 6.3 }, { mm: [-40, -54, -20], sigma: 6, peak: 4.7 },
        { mm: [22, -4, -18], sigma: 5, peak: 4.9 }, { mm: [-22, -4, -18], sigma: 5, peak: 4.2 },
        { mm: [30, -90, -4], sigma: 8, peak: 5.1 }, { mm: [-30, -90, -4], sigma: 8, peak: 4.9 },
      ],
    },
  },
};

const RECORDED_ORIGIN = 'https://neurovault.org/';

function rebaseRecorded(o: JsonObject, origin: string): JsonObject {
  return JSON.parse(JSON.stringify(o).split(RECORDED_ORIGIN).join(`${origin}/`)) as JsonObject;
}

const MAP_LABELS = ['T map', 'T map', 'Z map', 'Z map', 'F map', 'other', 'P map (given null hypothesis)', 'ROI/mask', 'univariate-beta map'];
const MODALITIES = ['fMRI-BOLD', 'fMRI-BOLD', 'fMRI-BOLD', 'Structural MRI', 'PET FDG', 'Diffusion MRI'];
const LEVELS = [null, null, 'group', 'single-subject', 'meta-analysis'];
const STEMS = ['spmT_0001', 'zstat1', 'con_0002', 'tstat3', 'beta_0005', 'cope1'];
const OFFSETS = ['Z', '+01:00', '+02:00', 'Z'] as const;

function syntheticImage(store: Store, c: CollectionRecord, id: number, n: number, i: number, atlas: boolean): ImageInit {
  const rnd = prng(hashString(`img:${c.id}:${i}`));
  const t = Date.UTC(2016, 0, 1) + Math.floor(rnd() * 8 * 365) * 86400_000 + i * 1000;
  const offset = OFFSETS[n % OFFSETS.length]!;
  const base: ImageInit = {
    id,
    name: `${atlas ? 'atlas' : 'contrast'} ${i + 1} of collection ${c.id}`,
    description: pick(rnd, ['', '', null, `Synthetic map ${i + 1}.`]),
    add_date: isoDate(t, offset), modify_date: isoDate(t + 3_600_000, offset),
    is_valid: rnd() < 0.7,
    $filename: `${atlas ? 'atlas' : pick(rnd, STEMS)}.nii.gz`,
  };
  if (atlas) return { ...base, $kind: 'atlas' };
  const cogatlas = rnd() < 0.3 ? pick(rnd, Object.entries(COGATLAS_TASKS).slice(0, 3)) : undefined;
  const meta: JsonObject = {};
  // user-defined keys whose types differ between images of the same collection (API.md §4.2)
  if (n % 2 === 0) meta.contrast_id = i % 2 === 0 ? i + 1 : '';
  if (n % 3 === 0 && i === 0) meta.task_label = 'n-back';
  if (n % 5 === 0) meta.subject_count_note = i % 3 === 0 ? null : 'approx.';
  return {
    ...base,
    map_type: pick(rnd, MAP_LABELS), modality: pick(rnd, MODALITIES), analysis_level: pick(rnd, LEVELS),
    number_of_subjects: rnd() < 0.5 ? null : 10 + Math.floor(rnd() * 90),
    cognitive_paradigm_cogatlas: cogatlas ? cogatlas[1] : null,
    cognitive_paradigm_cogatlas_id: cogatlas ? cogatlas[0] : null,
    thumbnail: rnd() < 0.8 ? `${store.apiOrigin}/media/images/${c.id}/glass_brain_${id}.jpg` : null,
    reduced_representation: rnd() < 0.6 ? `${store.apiOrigin}/media/images/${c.id}/transform_4mm_${id}.npy` : null,
    $meta: meta,
  };
}

function syntheticCollection(store: Store, n: number, imagesPerCollection: number): void {
  const rnd = prng(hashString(`coll:${n}`));
  const api = n % 3 === 0;
  const empty = api ? null : '';
  const t = Date.UTC(2015, 0, 1) + n * 86400_000 + Math.floor(rnd() * 86400_000);
  const offset = OFFSETS[n % OFFSETS.length]!;
  const hasDoi = n % 5 !== 4;
  const ownerId = 3000 + (n % 50);
  const c = store.addCollection({
    $template: api ? 'api' : 'web',
    owner: ownerId,
    owner_name: `researcher${n % 50}`,
    contributors: n % 11 === 0 ? 'alice_k, bob_m' : '',
    name: `Synthetic collection ${n}`,
    DOI: hasDoi ? `10.9999/synthetic.${n}` : null,
    authors: hasDoi ? `Author ${n}, Coauthor ${n % 17}` : empty,
    paper_url: hasDoi ? `https://doi.org/10.9999/synthetic.${n}` : empty,
    journal_name: hasDoi ? pick(rnd, ['NeuroImage', 'Cerebral Cortex', 'Human Brain Mapping']) : empty,
    description: pick(rnd, [empty, `Synthetic collection number ${n}.`, 'Line one\nline two']),
    add_date: isoDate(t, offset),
    modify_date: isoDate(t + 86400_000, offset),
    doi_add_date: hasDoi ? isoDate(t + 60_000, offset) : null,
    field_strength: rnd() < 0.4 ? pick(rnd, [1.5, 3, 7]) : null,
    handedness: rnd() < 0.3 ? pick(rnd, ['right', 'both']) : null,
    number_of_experimental_units: rnd() < 0.5 ? 10 + Math.floor(rnd() * 200) : null,
    subject_age_mean: rnd() < 0.3 ? Math.round(200 + rnd() * 400) / 10 : null,
    used_smoothing: rnd() < 0.5 ? rnd() < 0.8 : null,
    smoothing_fwhm: rnd() < 0.4 ? pick(rnd, [6, 8, 4.5]) : null,
    software_package: rnd() < 0.5 ? pick(rnd, ['SPM', 'FSL', 'AFNI']) : empty,
    coordinate_space: rnd() < 0.4 ? 'mni' : null,
    communities: n % 13 === 0 ? [3] : [],
  });
  if (n % 97 === 0) delete c.obj.owner; // owner account deleted (FK SET_NULL)
  const count = imagesPerCollection;
  store.defer(c, count, (ids) => {
    ids.forEach((id, i) => store.addImage(c, syntheticImage(store, c, id, n, i, n % 10 === 0 && i === count - 1)));
  });
}

export function seedStore(store: Store, opts: { collections: number; imagesPerCollection: number }): SeedIds {
  const me = store.users[0];
  const other = { owner: SEED.otherOwner.id, owner_name: SEED.otherOwner.username };
  const half = Math.floor(opts.collections / 2);
  let n = 1;
  const firstSyntheticCollectionId = store.nextCollectionId;
  // half the synthetic collections come before the seeds so a DOI scan has to page
  for (; n <= half; n++) syntheticCollection(store, n, opts.imagesPerCollection);

  // (2) recorded collections
  store.addCollection({ $template: 'web', ...rebaseRecorded(readSample('pynv-2020', 'read_collection') as JsonObject, store.apiOrigin) });
  const c1615 = store.addCollection({
    $template: 'web', id: 1615, owner: 1146, owner_name: 'pynv_tests',
    // synthetic: the collection object itself was never recorded, only its images
    name: 'pynv test collection (images recorded 2020-07-20)',
    add_date: '2016-08-06T15:38:12.117216Z', modify_date: '2016-08-31T18:24:20.534193Z',
  });
  for (const rec of RECORDED_1615_IMAGES) {
    const { file, ...fields } = rebaseRecorded(rec, store.apiOrigin);
    store.addImage(c1615, { ...fields, $filename: decodeURIComponent(String(file).split('/').pop()!), $fileBytes: rec.file_size as number });
  }

  // (1) the DOI collection — synthetic content for a real-looking DOI
  const paper = resolveDoi(SEED_DOI)!;
  const doi = store.addCollection({
    $template: 'web', id: SEED.doi, ...other, ...paper, DOI: SEED_DOI,
    description: 'Voxel-based morphometry maps of age effects (synthetic stand-in data).',
    add_date: '2013-03-14T10:21:05.120334Z', modify_date: '2019-05-02T10:00:00.000000Z',
    doi_add_date: '2013-03-14T10:21:05.120334Z', number_of_experimental_units: 120, subject_age_mean: 54.3,
    field_strength: 3, software_package: 'SPM', coordinate_space: 'mni', used_smoothing: true, smoothing_fwhm: 8,
    ...(store.realApp ? { publication_status: 'published', preprint_DOI: SEED.seedPreprintDoi } : {}),
  });
  store.addImage(doi, {
    name: 'Age negative correlation', map_type: 'T map', analysis_level: 'group', number_of_subjects: 120,
    modality: 'Structural MRI', add_date: '2013-03-14T10:25:00.000000Z', modify_date: '2013-03-14T10:25:01.000000Z',
    is_valid: true, $filename: 'age_neg_tstat.nii.gz', $meta: { contrast_id: 3, task_label: '' },
  });
  store.addImage(doi, {
    $kind: 'atlas', name: 'Age-sensitive regions atlas', description: '',
    add_date: '2013-03-14T10:26:00.000000Z', modify_date: '2013-03-14T10:26:01.000000Z', $filename: 'age_regions.nii.gz',
  });
  store.addPack(doi, 'age_vbm.nidm', [{
    name: 'Statistic Map: age effect', add_date: '2019-05-02T10:00:00+02:00', modify_date: '2019-05-02T10:00:00+02:00',
    map_type: 'T map', $filename: 'TStatistic.nii.gz',
  }]);

  // (1b) realApp: a paper so far known by its preprint only
  let preprint: CollectionRecord | undefined;
  if (store.realApp) {
    preprint = store.addCollection({
      $template: 'web', id: SEED.preprint, ...other, name: 'Working memory load effects (preprint, stand-in)',
      publication_status: 'submitted', DOI: null, preprint_DOI: SEED.preprintDoi, authors: 'D. Preprint, E. Server',
      add_date: '2024-05-07T09:00:00.000000+02:00', modify_date: '2024-05-07T09:00:00.000000+02:00',
    });
    for (const [i, sex] of (['F', 'M'] as const).entries()) {
      store.addImage(preprint, { name: `load effect ${i + 1}`, map_type: 'T map', modality: 'fMRI-BOLD', sex, $filename: `load_${i + 1}.nii.gz` });
    }
  }

  // (3)/(4) paging seeds
  const big = store.addCollection({ id: SEED.big, ...other, name: 'Large collection (1250 maps)' });
  for (let i = 0; i < SEED.bigImages; i++) {
    store.addImage(big, { name: `map ${i + 1}`, map_type: 'Z map', modality: 'fMRI-BOLD', $filename: `big_${String(i + 1).padStart(4, '0')}.nii.gz` });
  }
  const sixty = store.addCollection({ id: SEED.sixty, ...other, name: 'Sixty maps' });
  for (let i = 0; i < SEED.sixtyImages; i++) {
    store.addImage(sixty, { name: `map ${i + 1}`, map_type: 'T map', modality: 'fMRI-BOLD', $filename: `sixty_${i + 1}.nii.gz` });
  }

  // (5) private collection of the default user
  const priv = store.addCollection({ id: SEED.private, $token: SEED.privateToken, private: true, name: 'My private collection', ...(me ? { owner: me.id, owner_name: me.username } : {}) });
  for (let i = 0; i < 2; i++) store.addImage(priv, { name: `private map ${i + 1}`, map_type: 'T map', modality: 'fMRI-BOLD', $filename: `private_${i + 1}.nii.gz` });

  // (6) broken files: one fine, one missing on disk, one with a path-traversal name
  const broken = store.addCollection({ id: SEED.broken, ...other, name: 'Collection with broken files' });
  store.addImage(broken, { name: 'fine map', map_type: 'T map', modality: 'fMRI-BOLD', $filename: 'fine.nii.gz' });
  const missing = store.addImage(broken, { name: 'missing file', map_type: 'T map', modality: 'fMRI-BOLD', $file: 'missing', $filename: 'gone.nii.gz' });
  const hostile = store.addImage(broken, { name: 'hostile name', map_type: 'Z map', modality: 'fMRI-BOLD', $filename: '../../x.nii.gz' });

  // (7) files answered with an HTML login page and 200
  const trap = store.addCollection({ id: SEED.htmlTrap, ...other, name: 'Collection whose files are HTML' });
  for (let i = 0; i < 2; i++) store.addImage(trap, { name: `trap ${i + 1}`, map_type: 'T map', modality: 'fMRI-BOLD', $file: 'html', $filename: `trap_${i + 1}.nii.gz` });

  // (8) real-looking maps for `view`, the README's examples and the demo
  const maps = store.addCollection({
    $template: 'web', id: SEED.maps, ...other, name: 'Working memory and face perception group maps (stand-in)',
    description: 'Synthetic group statistical maps on the MNI152 2 mm grid.',
    add_date: '2020-11-03T09:12:40.118000Z', modify_date: '2020-11-03T09:30:02.004000Z',
    coordinate_space: 'mni', software_package: 'FSL', used_smoothing: true, smoothing_fwhm: 6, number_of_experimental_units: 43,
  });
  for (const [id, map] of Object.entries(MAPS)) {
    store.addImage(maps, {
      id: Number(id), name: map.name, map_type: map.spec.intent.code === 3 ? 'T map' : 'Z map', modality: 'fMRI-BOLD',
      analysis_level: 'group', number_of_subjects: 43, is_valid: true, $filename: map.file, $map: map.spec,
      add_date: '2020-11-03T09:20:00.000000Z', modify_date: '2020-11-03T09:20:01.000000Z',
    });
  }

  for (; n <= opts.collections; n++) syntheticCollection(store, n, opts.imagesPerCollection);
  if (store.nextCollectionId < 20001) store.nextCollectionId = 20001;

  return {
    seedDoiCollectionId: doi.id, bigCollectionId: big.id, sixtyCollectionId: sixty.id,
    privateCollectionId: priv.id, privateToken: SEED.privateToken,
    brokenFilesCollectionId: broken.id, missingFileImageId: missing.id, hostileFileImageId: hostile.id,
    htmlTrapCollectionId: trap.id, mapsCollectionId: maps.id, recordedCollectionIds: [8477, 1615], firstSyntheticCollectionId,
    ...(preprint ? { preprintCollectionId: preprint.id } : {}),
  };
}
