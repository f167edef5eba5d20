// The server's choice tables, apart from the upload code so that reading commands (`--where map_type=T`
// against the local catalogue) do not load the HTTP client and its schemas.

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
