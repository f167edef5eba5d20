import type { Context } from '../context.js';
import type { FormatOptions } from '../../output/format.js';
import type { FieldUse } from '../field-check.js';
import type { WhereClause } from '../../filter/where.js';

/** Default table/csv/tsv columns per object kind; `--columns` replaces them. */
export const COLLECTION_COLUMNS = ['id', 'name', 'DOI', 'number_of_images', 'owner_name', 'modify_date'];
export const IMAGE_COLUMNS = ['id', 'collection_id', 'name', 'image_type', 'map_type', 'modality', 'file_size'];
/**
 * The default columns that give way on a narrow screen, the first listed first, so that a name stays
 * readable (gh's column priorities). Columns the user chose with `--columns` keep their place.
 */
export const LOW_VALUE_COLUMNS = [
  'modify_date', 'add_date', 'owner_name', 'modality', 'image_type', 'file_size', 'number_of_images', 'matched', 'collection_id', 'DOI', 'map_type',
];

/** The format options of a list or `get`: `get` on a screen shows every field unless `--columns` chose. */
export function outputOptions(ctx: Context, defaults: string[], kind: 'list' | 'get'): FormatOptions {
  const g = ctx.globals;
  return {
    format: g.output,
    columns: g.columns ?? defaults,
    color: g.color,
    allFields: kind === 'get' && g.columns === undefined,
    pick: g.jsonFields,
    dropFirst: g.columns ? undefined : LOW_VALUE_COLUMNS,
  };
}

/** The field names the user typed (`--where`, `--columns` where they apply, `--json a,b`), to check before printing. */
export function fieldUses(ctx: Context, where: WhereClause[]): FieldUse[] {
  const g = ctx.globals;
  const uses: FieldUse[] = where.map((c) => ({ field: c.field, flag: `--where "${c.raw}"` }));
  if (g.columns && g.output !== 'json' && g.output !== 'ndjson') uses.push(...g.columns.map((field) => ({ field, flag: '--columns' })));
  if (g.jsonFields) uses.push(...g.jsonFields.map((field) => ({ field, flag: '--json' })));
  return uses;
}
