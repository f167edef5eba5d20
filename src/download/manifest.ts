import { MANIFEST_FILE } from './layout.js';
import type { Sink } from './sink.js';

/** One line of `<out>/manifest.jsonl` (SPEC "Download layout"); key order is part of the format. */
export interface ManifestEntry {
  id: number;
  collection_id: number;
  /** Relative to the download root, POSIX separators. */
  path: string;
  bytes: number;
  sha256: string;
  modify_date: string | null;
  /** The full server image object. */
  metadata: Record<string, unknown>;
}

export interface ParsedManifest {
  entries: Map<number, ManifestEntry>;
  /** Lines that were not entries (a hand edit, a foreign tool); reported, never fatal. */
  badLines: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Longest line read as an entry (an image record is a few KiB): a longer one is counted as a bad line
 * without being parsed, so a hand-edited or hostile manifest cannot make a parse run away.
 */
export const MAX_MANIFEST_LINE = 4 * 1024 * 1024;

export function parseManifest(text: string | undefined): ParsedManifest {
  const entries = new Map<number, ManifestEntry>();
  let badLines = 0;
  if (text === undefined) return { entries, badLines };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = line.length > MAX_MANIFEST_LINE ? undefined : parseEntry(line);
    if (entry) entries.set(entry.id, entry);
    else badLines++;
  }
  return { entries, badLines };
}

function parseEntry(line: string): ManifestEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const e = v as Record<string, unknown>;
  if (
    !Number.isSafeInteger(e.id) ||
    !Number.isSafeInteger(e.collection_id) ||
    typeof e.path !== 'string' ||
    !Number.isSafeInteger(e.bytes) ||
    typeof e.sha256 !== 'string' ||
    !SHA256.test(e.sha256)
  ) {
    return undefined;
  }
  return {
    id: e.id as number,
    collection_id: e.collection_id as number,
    path: e.path,
    bytes: e.bytes as number,
    sha256: e.sha256,
    modify_date: typeof e.modify_date === 'string' ? e.modify_date : null,
    metadata: e.metadata && typeof e.metadata === 'object' ? (e.metadata as Record<string, unknown>) : {},
  };
}

/**
 * `image_<id>_metadata.json` (and `collection_metadata.json`) as written: the record, indented, one final
 * newline. A lock keeps the sha256 of exactly this text, so it is made in one place.
 */
export function sidecarText(metadata: unknown): string {
  return `${JSON.stringify(metadata, null, 2)}\n`;
}

export function serializeEntry(e: ManifestEntry): string {
  return serializeEntryWith(e, JSON.stringify(e.metadata));
}

/** The same line, with `metadata` already serialised (so a failure to serialise it comes first, once). */
export function serializeEntryWith(e: ManifestEntry, metadataJson: string): string {
  const head = JSON.stringify({
    id: e.id,
    collection_id: e.collection_id,
    path: e.path,
    bytes: e.bytes,
    sha256: e.sha256,
    modify_date: e.modify_date,
  });
  return `${head.slice(0, -1)},"metadata":${metadataJson}}`;
}

/** Entries are written with `id` first, so merging can find a line's id without parsing its metadata. */
const LEADING_ID = /^\{"id":(\d+),/;

/**
 * Records finished files in the manifest while a download runs, so an interrupted run keeps what it
 * finished. Each flush is a read-merge-replace under the sink's update lock: lines of other images
 * (earlier runs, other shards writing the same directory) are kept as they are on disk, ours win. Flushes
 * are batched (`intervalMs`) because each rewrites the whole file.
 */
export class ManifestWriter {
  private readonly mine = new Map<number, string>();
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private failure?: unknown;

  constructor(
    private readonly sink: Sink,
    private readonly intervalMs = 1000,
    /** Ends a wait for the manifest's lock (Ctrl-C). */
    private readonly signal?: AbortSignal,
  ) {}

  set(entry: ManifestEntry): void {
    this.setLine(entry.id, serializeEntry(entry));
  }

  /** A line made by serializeEntry/serializeEntryWith. */
  setLine(id: number, line: string): void {
    this.mine.set(id, line);
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.intervalMs);
  }

  /** Writes pending entries now; rejects with the first write error of the run. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.chain = this.chain.then(async () => {
      // After a failure (a lock that could not be had in time) the run reports it; one wait is enough.
      if (!this.dirty || this.failure !== undefined) return;
      this.dirty = false;
      try {
        await this.sink.updateText(MANIFEST_FILE, (current) => this.merge(current), this.signal);
      } catch (err) {
        this.dirty = true;
        this.failure ??= err;
      }
    });
    return this.chain.then(() => {
      if (this.failure !== undefined) throw this.failure;
    });
  }

  private merge(current: string | undefined): string {
    const lines = new Map<number, string>();
    if (current !== undefined) {
      for (const line of current.split('\n')) {
        if (line.trim() === '') continue;
        const id = lineId(line);
        if (id === undefined) continue;
        lines.set(id, line);
      }
    }
    for (const [id, line] of this.mine) lines.set(id, line);
    const ids = [...lines.keys()].sort((a, b) => a - b);
    return ids.map((id) => lines.get(id)!).join('\n') + (ids.length ? '\n' : '');
  }
}

function lineId(line: string): number | undefined {
  const m = LEADING_ID.exec(line);
  if (m) return Number(m[1]);
  return parseEntry(line)?.id;
}
