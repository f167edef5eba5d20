import type { OutputFormat } from '../cli/globals.js';
import { UsageError } from '../errors.js';
import { formatCount } from '../util/counts.js';
import { checkFields, fieldNames, suggest, type FieldUse } from './fields.js';
import { getPath, Output, writeObject, writeRecords, type FormatOptions } from './format.js';
import type { IO } from './io.js';

/**
 * The one way data reaches stdout: lists, single objects and the results of work, in every `-o` format,
 * with `--json a,b`, `--columns` and `--fields` meaning the same on every command, field names checked
 * (exit 2 with suggestions) before anything is printed, and the terminal notices ("showing 20 of 859",
 * "no images match") said the same way everywhere.
 */

export interface PresentSettings {
  format: OutputFormat;
  /** The user chose the format (-o, --json, --jq): results of work are printed only then. */
  explicit: boolean;
  columns?: readonly string[];
  /** `--json a,b`: just these fields, in every format. */
  jsonFields?: readonly string[];
  /** `--fields`: the field names instead of the records. */
  listFields: boolean;
  color: boolean;
  /** A person is watching stderr and did not ask for quiet: notices about what was left out or found. */
  notices: boolean;
}

/** What the presenter knows of a kind of record. */
export interface RecordShape {
  /** Singular and plural noun for notices: ['image', 'images']. */
  noun: readonly [string, string];
  /** table/csv/tsv columns when neither --columns nor --json fields chose. */
  defaults: readonly string[];
  /** Default columns that give way on a narrow screen, the first listed first, before a name is cut short. */
  giveWay?: readonly string[];
  /** Fields the schema declares: valid even when no sampled record holds them. */
  declared: readonly string[];
  /** Objects dotted fields may read beside the record (`collection.<field>` on images), with their declared fields. */
  related?: Readonly<Record<string, readonly string[]>>;
}

export interface ListInfo {
  /** The cap the user set (Infinity with --all). */
  limit: number;
  /** How many records exist in all, when known (the server's count), read after the list is written. */
  total?: () => number | undefined;
  /** A filter ran locally: the total says nothing about how many match. */
  filtered?: boolean;
}

/** A field name as the user typed it in `--where` (the expression is quoted in the message). */
export interface WhereUse {
  field: string;
  raw: string;
}

export class Presenter {
  constructor(
    readonly io: IO,
    readonly settings: PresentSettings,
    private readonly notice: (line: string) => void,
  ) {}

  /** Fields typed in --where, --columns (where a format shows columns) and --json a,b. */
  uses(where: readonly WhereUse[] = []): FieldUse[] {
    const s = this.settings;
    const uses: FieldUse[] = where.map((c) => ({ field: c.field, flag: `--where "${c.raw}"` }));
    if (s.columns && s.format !== 'json' && s.format !== 'ndjson' && !s.jsonFields) {
      uses.push(...s.columns.map((field) => ({ field, flag: '--columns' })));
    }
    if (s.jsonFields) uses.push(...s.jsonFields.map((field) => ({ field, flag: '--json' })));
    return uses;
  }

  /** This presenter judging --where alone: for commands whose output is not the records selected. */
  whereOnly(): Presenter {
    return new Presenter(this.io, { ...this.settings, columns: undefined, jsonFields: undefined }, this.notice);
  }

  /** Shown fields that read a related object (`collection.DOI`): the caller must attach it (withRelated). */
  wantsRelated(name: string): boolean {
    const s = this.settings;
    const shown = s.jsonFields ?? (s.format === 'json' || s.format === 'ndjson' ? [] : (s.columns ?? []));
    return shown.some((f) => f.startsWith(`${name}.`));
  }

  /**
   * A typed field that no sampled record has and the schema does not declare is a typo: exit 2 with the
   * closest names. Related fields (`collection.x`) are judged by the related sample and declaration, and
   * only when a related sample is given.
   */
  check(sample: readonly object[], shape: RecordShape, where: readonly WhereUse[] = [], related: Record<string, readonly object[]> = {}): void {
    const own: FieldUse[] = [];
    for (const use of this.uses(where)) {
      const dot = use.field.indexOf('.');
      const head = dot > 0 ? use.field.slice(0, dot) : '';
      const declared = shape.related?.[head];
      if (!declared) {
        own.push(use);
        continue;
      }
      // Judged once the first related object is at hand (the caller checks again with it).
      const seen = related[head];
      if (!seen) continue;
      const rest = use.field.slice(dot + 1);
      if (declared.includes(rest.split('.')[0]!) || seen.some((r) => getPath(r, rest) !== undefined)) continue;
      const close = suggest(rest, fieldNames(seen, declared)).map((n) => `${head}.${n}`);
      throw new UsageError(`unknown field "${use.field}" in ${use.flag}: no ${head} has "${rest}"`, {
        hint: close.length > 0 ? `did you mean ${close.join(', ')}?` : `run the same command with --fields to list the ${shape.noun[1]}' fields`,
      });
    }
    checkFields(own, sample, shape.declared);
  }

  /**
   * Checks against every field name a store knows (the catalogue's), own and related alike, so a typo is
   * refused even when nothing matched.
   */
  checkNames(known: readonly string[], shape: RecordShape, where: readonly WhereUse[] = []): void {
    const all = [...known, ...shape.declared];
    // One record holding every name stands for the store, own and related alike.
    const every = [Object.fromEntries(all.map((k) => [k, true]))];
    const related = Object.fromEntries(Object.keys(shape.related ?? {}).map((head) => [head, every]));
    this.check(every, { ...shape, declared: all }, where, related);
  }

  /** Checks before any work against fields known in advance (the summary of a download, say). */
  checkKnown(shape: RecordShape): void {
    for (const { field, flag } of this.uses()) {
      const head = field.split('.')[0]!;
      if (shape.declared.includes(head)) continue;
      const close = suggest(field, shape.declared);
      throw new UsageError(`unknown field "${field}" in ${flag}`, {
        hint: `${close.length > 0 ? `did you mean ${close.join(', ')}? ` : ''}the fields are ${shape.declared.join(', ')}`,
      });
    }
  }

  /** `--fields`: the sample's field names, then the declared ones, one per line. */
  async fieldNames(sample: readonly object[], shape: RecordShape): Promise<void> {
    const seen = fieldNames(sample);
    const names = [...seen, ...shape.declared.filter((d) => !seen.includes(d))];
    for (const [head, declared] of Object.entries(shape.related ?? {})) names.push(...declared.map((d) => `${head}.${d}`));
    const out = new Output(this.io.stdout);
    if (await out.write(names.map((n) => `${n}\n`).join(''))) await out.flush();
  }

  /** A list, streamed; then the notice of what was left out, or that nothing matched. Returns the count shown. */
  async list(records: AsyncIterable<object> | Iterable<object>, shape: RecordShape, info: ListInfo): Promise<number> {
    const shown = await writeRecords(this.io, records, this.formatOptions(shape, 'list'));
    // Only when someone will read it: the total may cost a query (search counts its hits).
    const notice = this.settings.notices ? listNotice(shown, info, shape) : undefined;
    if (notice) this.note(notice);
    return shown;
  }

  /** One object: every field on a screen (unless --columns chose), the default columns when piped. */
  async one(record: object, shape: RecordShape): Promise<void> {
    await writeObject(this.io, record, this.formatOptions(shape, 'get'));
  }

  /** The result of work (a download, a sync, a verify): on stdout only when the user asked for a format. */
  async result(record: object, shape: RecordShape): Promise<void> {
    if (!this.settings.explicit) return;
    await writeObject(this.io, record, { ...this.formatOptions(shape, 'get'), allFields: !this.settings.columns && !this.settings.jsonFields });
  }

  /** A notice for a person (never data): only on a terminal, never with --quiet. */
  note(line: string): void {
    if (this.settings.notices) this.notice(line);
  }

  private formatOptions(shape: RecordShape, kind: 'list' | 'get'): FormatOptions {
    const s = this.settings;
    const chosen = s.jsonFields ?? s.columns;
    return {
      format: s.format,
      columns: [...(chosen ?? shape.defaults)],
      color: s.color,
      allFields: kind === 'get' && chosen === undefined,
      pick: s.jsonFields ? [...s.jsonFields] : undefined,
      dropFirst: chosen === undefined ? shape.giveWay : undefined,
    };
  }
}

/**
 * "showing 100 of 1,250" when the total is the answer's size; "the first 100 matches" when a local filter
 * ran (the total then says nothing about how many match); "no images match" for an empty answer.
 */
export function listNotice(shown: number, info: ListInfo, shape: RecordShape): string | undefined {
  const [, many] = shape.noun;
  if (shown === 0) return info.filtered ? `no ${many} match` : `no ${many}`;
  if (shown < info.limit) return undefined;
  const total = info.total?.();
  if (info.filtered) return `showing the first ${formatCount(shown)} matches; there may be more — use --all or --limit`;
  return total !== undefined && total > shown ? showingOf(shown, total) : undefined;
}

export function showingOf(shown: number, total: number): string {
  return `showing ${formatCount(shown)} of ${formatCount(total)} — use --all or --limit`;
}


