import { formatBytes } from './units.js';

/**
 * What a progress bar shows, as plain numbers: rendering is a pure function of this and the width, so
 * every layout can be tested without a terminal.
 */
export interface BarState {
  /** What is happening: `downloading`, `verifying`, `uploading`… */
  label: string;
  filesDone: number;
  filesTotal: number;
  filesFailed: number;
  bytesDone: number;
  /** Undefined when some sizes are unknown: the percentage then counts files. */
  bytesTotal?: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  /** Undefined until there is a rate to estimate from. */
  etaMs?: number;
  /** A passing remark (`retry 2/4 in 1.2 s: HTTP 502`), shown after the numbers while room is left. */
  note?: string;
  /** Spinner frame index, so a stalled transfer still visibly lives. */
  frame: number;
}

export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_FULL = '█';
const BAR_EMPTY = '░';
const MIN_BAR = 7;
const MAX_BAR = 30;

export function frameChar(frame: number): string {
  return SPINNER_FRAMES[frame % SPINNER_FRAMES.length]!;
}

/** Cuts `text` to `width` columns with an ellipsis (every character the tool draws is one column wide). */
export function fit(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** `ETA 42s`, `ETA 3m05s`, `ETA 2h07m`; rounded up, so work left never reads `0s`. */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `ETA ${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `ETA ${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 100 ? `ETA ${h}h${String(m % 60).padStart(2, '0')}m` : 'ETA >4 days';
}

export function fraction(s: Pick<BarState, 'filesDone' | 'filesTotal' | 'bytesDone' | 'bytesTotal'>): number {
  if (s.bytesTotal !== undefined && s.bytesTotal > 0) return Math.min(1, s.bytesDone / s.bytesTotal);
  if (s.filesTotal > 0) return Math.min(1, s.filesDone / s.filesTotal);
  return 0;
}

/** `50.8/97.7 MiB`: the count in the total's unit, so its width holds still while it grows. */
function bytesOfTotal(done: number, total: number | undefined): string {
  if (total === undefined) return formatBytes(done);
  const t = formatBytes(total);
  const unit = t.slice(t.indexOf(' ') + 1);
  const scale = 1024 ** Math.max(0, ['B', 'KiB', 'MiB', 'GiB', 'TiB'].indexOf(unit));
  const d = Math.min(done, total) / scale;
  return `${d.toFixed(t.includes('.') ? 1 : 0)}/${t}`;
}

/**
 * One line of at most `width` columns:
 * `⠋ downloading ██████████░░░░░░░░  51%  260/500 files  50.8/97.7 MiB  12.1 MiB/s  ETA 4s`.
 * Numbers are padded to their widest, so the bar keeps its length from frame to frame. When the width
 * runs short, the parts the eye needs least go first (the rate, the words, the bytes), then the bar
 * shrinks; the count of files, the percentage and the ETA stay to the end. A note (a retry's reason)
 * replaces the bytes, rate and ETA while it lasts, cut to what is left.
 */
export function renderBar(s: BarState, width: number): string {
  const pct = `${String(Math.floor(fraction(s) * 100)).padStart(3)}%`;
  const failed = s.filesFailed > 0 ? ` (${s.filesFailed} failed)` : '';
  const count = `${s.filesDone}/${s.filesTotal}`.padStart(2 * String(s.filesTotal).length + 1);
  // No rate yet (the first moments, or only re-hashing): blank, not `0 B/s  ETA --`; the widths hold.
  const eta = (s.etaMs === undefined ? '' : formatEta(s.etaMs)).padEnd(7);
  const rate = (s.rate > 0 ? `${formatBytes(s.rate)}/s` : '').padStart(10);
  const bytesWidth = s.bytesTotal === undefined ? 9 : bytesOfTotal(s.bytesTotal, s.bytesTotal).length;
  const bytes = bytesOfTotal(s.bytesDone, s.bytesTotal).padStart(bytesWidth);
  const head = `${frameChar(s.frame)} ${s.label}`;
  // Richest first; the first layout that leaves room for a bar of MIN_BAR wins.
  const layouts: string[][] = [
    [pct, `${count} files${failed}`, bytes, rate, eta],
    [pct, `${count}${failed}`, bytes, rate, eta],
    [pct, count, bytes, eta],
    [pct, count, eta],
  ];
  for (const parts of layouts) {
    const tail = parts.join('  ');
    const room = width - head.length - 2 - tail.length; // "head BAR tail"
    if (room >= MIN_BAR) {
      // While a note explains a stall, it takes the place of the bytes, rate and ETA (stale by then
      // anyway) and of most of the bar.
      if (s.note) return fit(`${head} ${bar(fraction(s), MIN_BAR)} ${parts.slice(0, 2).join('  ')} · ${s.note}`, width);
      return `${head} ${bar(fraction(s), Math.min(MAX_BAR, room))} ${tail.trimEnd()}`;
    }
  }
  // Too narrow for any bar: the numbers alone, cut to fit.
  return fit(`${head} ${pct} ${count.trim()} ${eta.trimEnd()}`, width);
}

function bar(f: number, width: number): string {
  const full = Math.round(f * width);
  return BAR_FULL.repeat(full) + BAR_EMPTY.repeat(width - full);
}

/** `⠋ listing images of collection 1615 · 3s · retry 1/4 in 0.3s: 502: …`, cut to `width`. */
export function renderSpinner(frame: number, text: string, width: number, elapsedMs?: number, note?: string): string {
  const elapsed = elapsedMs !== undefined && elapsedMs >= 1000 ? ` · ${Math.floor(elapsedMs / 1000)}s` : '';
  return fit(`${frameChar(frame)} ${text}${elapsed}${note ? ` · ${note}` : ''}`, width);
}

/**
 * Transfer rate over a sliding window of samples, so the ETA follows a server that slows down instead of
 * the average since the start; pure (the caller passes the clock).
 */
export class RateMeter {
  private readonly samples: { t: number; work: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  sample(t: number, work: number): void {
    this.samples.push({ t, work });
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
  }

  /** Work units per second; 0 until two samples at least 200 ms apart. */
  get rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 200) return 0;
    return ((last.work - first.work) * 1000) / (last.t - first.t);
  }

  /** Milliseconds until `remaining` more work is done at the current rate; undefined while unknown. */
  eta(remaining: number): number | undefined {
    const r = this.rate;
    if (remaining <= 0) return 0;
    return r > 0 ? (remaining / r) * 1000 : undefined;
  }
}

/** The text after `GET https://…: ` in a transport error: the URL rarely fits and the reason is what matters. */
export function shortReason(message: string): string {
  return message.replace(/^(GET|HEAD|POST|PUT|PATCH|DELETE) \S+: /, '').replace(/\s+/g, ' ');
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** `retry 1/4 in 0.3s: 502: Bad Gateway` — why the run is waiting, for the live line or a notice. */
export function describeRetry(info: RetryInfo, retries: number): string {
  return `retry ${info.attempt}/${retries} in ${(info.delayMs / 1000).toFixed(1)}s: ${shortReason(info.reason)}`;
}
