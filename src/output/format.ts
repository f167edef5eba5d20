import type { OutputFormat } from '../cli/globals.js';
import { CliError } from '../errors.js';
import type { IO } from './io.js';
import { cellText, getPath, withRelated } from '../util/record-path.js';

// The library's filters use these too (src/filter/where.ts), so they live in src/util; re-exported for the presenter's callers.
export { cellText, getPath, withRelated };

export interface FormatOptions {
  format: OutputFormat;
  /** Dotted paths shown by table/tsv/csv; empty means the top-level keys of the first record. */
  columns: string[];
  color: boolean;
  /** `get` on a screen: show every meaningful field, not just `columns` (which the user did not choose). */
  allFields?: boolean;
  /** `--json a,b`: json/ndjson objects keep only these fields (dotted paths allowed), in this order. */
  pick?: string[];
  /** Table columns that give way first on a narrow screen, the first listed first. */
  dropFirst?: readonly string[];
}

/**
 * Streams records as they arrive: ndjson/tsv/csv line by line, json as one array written incrementally
 * ("[]\n" when empty), table collected then drawn. An empty list prints nothing for table/tsv/csv.
 * Returns the number of records written; stops early, without error, when the reader closed the pipe.
 */
export async function writeRecords(
  io: IO,
  records: AsyncIterable<object> | Iterable<object>,
  opts: FormatOptions,
): Promise<number> {
  const out = new Output(io.stdout);
  if (opts.format === 'table') {
    const all: object[] = [];
    for await (const record of records) all.push(record);
    if (all.length === 0) return 0;
    const columns = columnsFor(opts.columns, all[0]);
    const [{ renderTable }, human] = await Promise.all([import('./table.js'), screenHumanizer(io)]);
    const rows = all.map((r) => columns.map((c) => screenText(c, getPath(r, c), human)));
    const drawn = renderTable(columns, rows, { width: io.width ?? 80, color: opts.color, dropFirst: opts.dropFirst });
    if (await screenPaged(io, `${drawn}\n`)) return all.length;
    return (await out.write(`${drawn}\n`)) && (await out.flush()) ? all.length : 0;
  }
  if (opts.format === 'json' && io.stdoutIsTTY) {
    // On a terminal, as gh: indented and coloured, paged when long; piped JSON below stays as it was.
    const all: object[] = [];
    for await (const record of records) all.push(opts.pick ? pickFields(record, opts.pick) : record);
    const text = `${(await import('./json-colour.js')).prettyJson(all, opts.color)}\n`;
    if (await screenPaged(io, text)) return all.length;
    return (await out.write(text)) && (await out.flush()) ? all.length : 0;
  }
  let count = 0;
  let columns: string[] = [];
  for await (const item of records) {
    const record = opts.pick ? pickFields(item, opts.pick) : item;
    let text: string;
    if (opts.format === 'json') text = `${count === 0 ? '[\n' : ',\n'}${JSON.stringify(record)}`;
    else if (opts.format === 'ndjson') text = `${JSON.stringify(record)}\n`;
    else {
      if (count === 0) columns = columnsFor(opts.columns, record);
      text = `${count === 0 ? delimited(opts.format, columns) : ''}${delimited(opts.format, columns.map((c) => cellText(getPath(record, c))))}`;
    }
    if (!(await out.write(text))) return count;
    count++;
  }
  if (opts.format === 'json' && !(await out.write(count === 0 ? '[]\n' : '\n]\n'))) return count;
  await out.flush();
  return count;
}

/**
 * One object: json → pretty (2-space indent); ndjson → one line; table → field/value rows of the columns
 * (all top-level keys when none); tsv/csv → header + one row.
 */
export async function writeObject(io: IO, item: object, opts: FormatOptions): Promise<void> {
  const out = new Output(io.stdout);
  const record = opts.pick ? pickFields(item, opts.pick) : item;
  const columns = columnsFor(opts.columns, record);
  let text: string;
  if (opts.format === 'json') text = `${io.stdoutIsTTY ? (await import('./json-colour.js')).prettyJson(record, opts.color) : JSON.stringify(record, null, 2)}\n`;
  else if (opts.format === 'ndjson') text = `${JSON.stringify(record)}\n`;
  else if (opts.format === 'table') {
    const { renderKeyValues } = await import('./kv-view.js');
    const humanize = io.stdoutIsTTY ? (await import('./humanize.js')).humanizer(Date.now(), { exactSizes: true, time: true }) : undefined;
    const drawn = renderKeyValues(record, opts.allFields ? undefined : columns, { width: io.width ?? 80, color: opts.color, humanize });
    text = drawn && `${drawn}\n`;
  } else {
    text = delimited(opts.format, columns) + delimited(opts.format, columns.map((c) => cellText(getPath(record, c))));
  }
  if (text && (await out.write(text))) await out.flush();
}

/** The pager hook (pager.ts), loaded only for a terminal with a pager set up. */
async function screenPaged(io: IO, text: string): Promise<boolean> {
  return Boolean(io.pager && io.stdoutIsTTY) && (await import('./pager.js')).pageIfTall(io, text);
}

/** gh's `--json a,b`: a new object of just those fields, missing ones as null so every object has the same keys. */
export function pickFields(record: object, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, getPath(record, f) ?? null]));
}

// Sizes and dates for people only when a person is reading: a piped `-o table` stays exact.
async function screenHumanizer(io: IO): Promise<import('./humanize.js').Humanizer | undefined> {
  return io.stdoutIsTTY ? (await import('./humanize.js')).humanizer(Date.now()) : undefined;
}

function screenText(field: string, value: unknown, human: import('./humanize.js').Humanizer | undefined): string {
  return human?.(field.slice(field.lastIndexOf('.') + 1), value) ?? cellText(value);
}

function columnsFor(columns: string[], first: object | undefined): string[] {
  return columns.length > 0 ? columns : Object.keys(first ?? {});
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

// One record per line is the point of tsv (cut, awk, sort), so separators inside values are escaped, not quoted.
function delimited(format: 'tsv' | 'csv', cells: string[]): string {
  if (format === 'tsv') return `${cells.map((c) => c.replace(/[\\\t\n\r]/g, (ch) => TSV_ESCAPES[ch] ?? ch)).join('\t')}\n`;
  return `${cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\r\n`;
}

interface StreamState {
  gone: boolean;
  error?: Error;
}
const states = new WeakMap<NodeJS.WritableStream, StreamState>();

/**
 * The listener stays for the stream's life: EPIPE (`| head`) can surface a tick after the last write, and an
 * 'error' nobody listens to kills the process with a stack trace.
 */
function stateOf(stream: NodeJS.WritableStream): StreamState {
  let state = states.get(stream);
  if (!state) {
    const s: StreamState = { gone: false };
    stream.on('error', (err: Error) => noteError(s, err));
    states.set(stream, s);
    state = s;
  }
  return state;
}

function noteError(state: StreamState, err: Error): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') state.gone = true;
  else state.error ??= err;
}

/**
 * Text to stdout with backpressure; write() and flush() answer false once the reader has gone (EPIPE), and
 * a real write error (a full disk) becomes a CliError. For line output that is not records (`s3 ls`).
 */
export class Output {
  private readonly state: StreamState;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly stream: NodeJS.WritableStream) {
    this.state = stateOf(stream);
  }

  async write(text: string | Uint8Array): Promise<boolean> {
    if (!this.open()) return false;
    let ok = true;
    this.last = new Promise((resolve) => {
      ok = this.stream.write(text, (err?: Error | null) => {
        if (err) noteError(this.state, err);
        resolve();
      });
    });
    if (!ok) await this.drained();
    return this.open();
  }

  /** Waits for the last write to land, so a full disk is reported instead of exiting 0 with a short file. */
  async flush(): Promise<boolean> {
    await this.last;
    return this.open();
  }

  private open(): boolean {
    if (this.state.error) {
      throw new CliError(`cannot write output: ${this.state.error.message}`, { cause: this.state.error });
    }
    return !this.state.gone;
  }

  // Not events.once(stream, 'drain'): a stream closed without an error would leave that waiting forever.
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}
