import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';
import { cellText, getPath } from '../util/record-path.js';
import { CHOICE_FIELDS, describeChoices, resolveChoice } from '../api/choices.js';
import { distance } from '../util/distance.js';

export type WhereOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~';

export interface WhereClause {
  raw: string;
  field: string;
  op: WhereOp;
  value: string;
  regex?: Matcher;
  num?: number;
  /** `f=null` / `f!=null` (any null-like literal, including an empty value). */
  isNullTest?: boolean;
  /** A choice field's code and label, lower-cased (`map_type=T` also matches "T map", as upload accepts both). */
  spellings?: string[];
}

// Two-character operators first, so "a>=3" is not read as "a>" with value "=3".
const OPERATORS: WhereOp[] = ['!=', '>=', '<=', '=', '>', '<', '~'];
const NULL_LIKE = new Set(['', 'none', 'none / other', 'n/a', 'null']);
// Stricter than Number(): Number("") is 0 and Number("0x10") is 16, neither of which a user means.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const SYNTAX_HINT = 'use field=value, field!=value, field>n, field>=n, field<n, field<=n, field~regex, field=null or field!=null';

/** Parses `--where` expressions; throws UsageError (exit 2) naming the expression and the reason. */
export function parseWhere(exprs: string[]): WhereClause[] {
  return exprs.map(parseOne);
}

function parseOne(raw: string): WhereClause {
  const bad = (why: string) => new UsageError(`invalid --where "${raw}": ${why}`, { hint: SYNTAX_HINT });
  // The first operator position wins, so values may contain operators ("name=a=b", "x~a=b").
  let at = -1;
  let op: WhereOp | undefined;
  for (let i = 0; i < raw.length && !op; i++) {
    op = OPERATORS.find((o) => raw.startsWith(o, i));
    at = i;
  }
  if (!op) throw bad('no operator');
  const field = raw.slice(0, at).trim();
  const value = raw.slice(at + op.length);
  if (!field) throw bad(`no field name before "${op}"`);
  const clause: WhereClause = { raw, field, op, value };
  const num = toNumber(value);
  if (num !== undefined) clause.num = num;
  if (op === '~') {
    try {
      clause.regex = compileRegex(value);
    } catch (err) {
      throw bad(`bad regular expression: ${(err as Error).message} (RE2 syntax: no backreferences or lookaround)`);
    }
  } else if (op === '=' || op === '!=') {
    clause.isNullTest = isNullLike(value);
    const spellings = choiceSpellings(field, value);
    if (spellings) clause.spellings = spellings;
    else if (!clause.isNullTest) checkKnownValue(raw, field, value);
  } else if (num === undefined) {
    throw bad(`"${op}" needs a number, got "${value}"`);
  }
  return clause;
}

/** A compiled `~` pattern: searched for anywhere in the text, case-insensitively. */
export interface Matcher {
  source: string;
  flags: 'i';
  test(text: string): boolean;
}

type Re2js = typeof import('re2js');
let re2js: Re2js | undefined;

/**
 * User patterns run on RE2JS, a linear-time engine (RE2's automata, in JavaScript), not on V8's
 * backtracking one: `(a+)+$` against a long name would otherwise run for minutes on the main thread,
 * where no Ctrl-C can be handled. RE2 syntax is JavaScript's without backreferences and lookaround.
 * The engine (~260 KiB) is loaded only when a `~` clause is parsed; synchronously, so parsing stays a
 * plain call and a bad pattern still fails before any request.
 */
function compileRegex(source: string): Matcher {
  re2js ??= createRequire(import.meta.url)('re2js') as Re2js;
  const re = re2js.RE2JS.compile(source, re2js.RE2JS.CASE_INSENSITIVE);
  return { source, flags: 'i', test: (text) => re.test(text) };
}

const COLLECTION_PREFIX = 'collection.';

/** The server stores codes for some fields and shows labels for others; a value in either form matches both. */
/** Fields whose every value the tool knows (the upload's choice tables): a value outside them is a typo. */
const CHECKED_CHOICES = new Set(['map_type', 'modality', 'analysis_level']);

/** `map_type=Tmap` would match nothing and say nothing: exit 2 with the closest values instead. */
function checkKnownValue(raw: string, field: string, value: string): void {
  const name = field.slice(field.lastIndexOf('.') + 1);
  const table = CHECKED_CHOICES.has(name) ? CHOICE_FIELDS[name] : undefined;
  if (!table) return;
  // The closest labels only ("Tmap" is one edit from "T map", two from "Z map").
  const want = value.trim().toLowerCase();
  const scored = table.map((c) => ({ label: c.label, d: Math.min(distance(want, c.label.toLowerCase()), distance(want, c.code.toLowerCase())) }));
  const best = Math.min(...scored.map((x) => x.d));
  const close = best <= Math.max(2, Math.floor(want.length / 3)) ? scored.filter((x) => x.d === best).map((x) => x.label) : [];
  throw new UsageError(`no ${name} is "${value}" in --where "${raw}"`, {
    hint: `${close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(', ')}? ` : ''}${name} is one of: ${describeChoices(table)}`,
  });
}

function choiceSpellings(field: string, value: string): string[] | undefined {
  const table = CHOICE_FIELDS[field.slice(field.lastIndexOf('.') + 1)];
  const code = table && resolveChoice(table, value);
  const choice = code === undefined ? undefined : table?.find((c) => c.code === code);
  return choice && [choice.code.toLowerCase(), choice.label.toLowerCase()];
}

/**
 * True when the record passes every clause. `collection` is the image's collection (fetched by the caller):
 * `collection.*` fields are read from it; without it they are read from the record like any dotted path.
 */
export function matchesWhere(record: object, clauses: WhereClause[], collection?: object): boolean {
  return clauses.every((c) => {
    const value =
      collection && c.field.startsWith(COLLECTION_PREFIX)
        ? getPath(collection, c.field.slice(COLLECTION_PREFIX.length))
        : imageField(record, c.field);
    return matchValue(value, c);
  });
}

/** Images said `gender` until 2025 and `sex` since (NeuroVault 3230e357): either name reads either field. */
const RENAMED: Readonly<Record<string, string>> = { sex: 'gender', gender: 'sex' };

function imageField(record: object, field: string): unknown {
  const value = getPath(record, field);
  return value === undefined && Object.hasOwn(RENAMED, field) ? getPath(record, RENAMED[field]!) : value;
}

/** undefined, null, and the server's placeholder strings ("", "None", "None / Other", "N/A", "null"). */
export function isNullLike(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === 'string' && NULL_LIKE.has(v.trim().replace(/\s+/g, ' ').toLowerCase());
}

/** True when a clause needs each image's collection fetched. */
export function collectionFields(clauses: WhereClause[]): boolean {
  return clauses.some((c) => c.field.startsWith(COLLECTION_PREFIX));
}

function matchValue(value: unknown, c: WhereClause): boolean {
  const values = Array.isArray(value) ? value.filter((v) => !isNullLike(v)) : isNullLike(value) ? [] : [value];
  // A missing field, a placeholder or an empty list is null: only "=null" and "!=v" accept it.
  if (values.length === 0) return c.op === '!=' ? !c.isNullTest : c.op === '=' && c.isNullTest === true;
  if (c.isNullTest) return c.op === '!=';
  if (c.op === '!=') return !values.some((v) => equals(v, c));
  return values.some((v) => test(v, c));
}

function test(v: unknown, c: WhereClause): boolean {
  if (c.op === '=') return equals(v, c);
  if (c.op === '~') return c.regex?.test(cellText(v)) ?? false;
  const n = toNumber(v);
  const lit = c.num;
  if (n === undefined || lit === undefined) return false;
  if (c.op === '>') return n > lit;
  if (c.op === '>=') return n >= lit;
  if (c.op === '<') return n < lit;
  return n <= lit;
}

// Numbers as numbers ("3" = 3.0); everything else, booleans included (true = "True"), as trimmed lower-case text.
function equals(v: unknown, c: WhereClause): boolean {
  const n = toNumber(v);
  if (c.num !== undefined && n !== undefined) return n === c.num;
  const text = cellText(v).trim().toLowerCase();
  return c.spellings ? c.spellings.includes(text) : text === c.value.trim().toLowerCase();
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && NUMBER.test(v.trim())) return Number(v.trim());
  return undefined;
}
