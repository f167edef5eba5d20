import type { Context } from '../cli/context.js';
import type { CliError } from '../errors.js';
import type { ActionRecord, CopyEvent } from '../s3/cp.js';
import type { S3ListRecord } from '../s3/list.js';
import { awsHumanSize } from '../s3/size.js';
import { Output } from './format.js';
import type { Presenter, RecordShape } from './presenter.js';
import { TransferBar } from './progress-bar.js';

/**
 * What `s3 mb` and `s3 cp` show: aws-cli's action lines and warnings on stderr, the progress bar (TTY
 * only), and with `-o` the records on stdout at the end.
 */
export class S3Reporter {
  readonly actions: object[] = [];
  /** Transfers began (a failure before them has no records to list). */
  started = false;
  private bar?: TransferBar;

  constructor(
    private readonly ctx: Context,
    private readonly onlyErrors: boolean,
    private readonly present: Presenter,
    private readonly shape: RecordShape,
  ) {}

  private get quiet(): boolean {
    return this.onlyErrors || this.ctx.globals.quiet;
  }

  /** A copy's events: the opening line and the bar (not over an object printed on the terminal), lines, errors. */
  event(e: CopyEvent): void {
    switch (e.type) {
      case 'start':
        this.started = true;
        if (!this.ctx.globals.progress || this.onlyErrors || (e.toStdout && this.ctx.io.stdoutIsTTY)) return;
        this.ctx.warn(`${e.label} ${e.what}`);
        this.bar = new TransferBar(this.ctx, { label: e.label, files: e.files, bytes: e.bytes });
        return;
      case 'expect':
        return this.bar?.expect(1, e.bytes);
      case 'bytes':
        return this.bar?.bytes(e.bytes);
      case 'done':
        return this.done(e.record);
      case 'error':
        return this.error(e.error);
      case 'warning':
        // Also with --only-show-errors; above the bar while it shows (ctx.printLine goes through ctx.live).
        return this.ctx.printLine(e.message);
    }
  }

  line(text: string): void {
    if (this.quiet) return;
    this.ctx.printLine(text);
  }

  private error(err: CliError): void {
    this.bar?.file(true);
    this.ctx.printLine(`neurovault: ${err.message}`);
    if (err.hint) this.ctx.printLine(`hint: ${err.hint}`);
  }

  private done(record: ActionRecord): void {
    this.bar?.file();
    this.actions.push(record);
    this.line(`${record.dryrun ? '(dryrun) ' : ''}${record.action}: ${record.source} to ${record.destination}`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** With `-o`, `--json` or `--jq`, the records of what was done on stdout at the end. */
  async finish(records: object[]): Promise<void> {
    if (this.ctx.globals.outputExplicit) await this.present.list(records, this.shape, { limit: Infinity });
  }
}

/** `s3 ls` as aws-cli prints it: `2024-05-01 12:00:00       1234 key`, `PRE sub/`, and the summary. */
export async function printS3Listing(
  records: AsyncIterable<S3ListRecord>,
  opts: { recursive?: boolean; humanReadable?: boolean; summarize?: boolean },
  ctx: Context,
): Promise<void> {
  const out = new Output(ctx.io.stdout);
  const size = (n: number) => (opts.humanReadable ? awsHumanSize(n) : String(n)).padStart(10);
  let objects = 0;
  let bytes = 0;
  for await (const r of records) {
    let text: string;
    if (r.type === 'prefix') {
      const parts = r.key.split('/');
      text = `${'PRE'.padStart(30)} ${parts[parts.length - 2] ?? r.key}/\n`;
    } else {
      objects++;
      bytes += r.size;
      const name = opts.recursive ? r.key : r.key.slice(r.key.lastIndexOf('/') + 1);
      text = `${localTime(r.last_modified)} ${size(r.size)} ${name}\n`;
    }
    if (!(await out.write(text))) return;
  }
  if (opts.summarize) {
    await out.write(`\nTotal Objects: ${objects}\n   Total Size: ${opts.humanReadable ? awsHumanSize(bytes) : bytes}\n`);
  }
  await out.flush();
}

/** `s3 ls` of the buckets. */
export async function printBuckets(buckets: readonly { name: string; creationDate: string }[], ctx: Context): Promise<void> {
  const out = new Output(ctx.io.stdout);
  for (const b of buckets) if (!(await out.write(`${localTime(b.creationDate)} ${b.name}\n`))) return;
  await out.flush();
}

function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso.padEnd(19);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
