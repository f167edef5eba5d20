import { CliError } from '../errors.js';

/**
 * Where a download is written. The engine only ever talks to a Sink, so the same layout, checks and
 * manifest work for a local directory (local-sink.ts) and for `--out s3://bucket/prefix`.
 *
 * Paths are relative POSIX paths from layout.ts (`collection_12/image_34.nii.gz`, `manifest.jsonl`); a
 * sink joins them to its root and must refuse anything that would leave it.
 *
 * Implementing another sink: export `createSink(out: string, s3: S3SessionOptions): Promise<Sink>` from
 * `src/download/<scheme>-sink.ts` (`s3-sink.ts` for `s3://`) and load it for its scheme in open-sink.ts.
 * A sink that cannot keep partial files (S3) reports `keptBytes` 0 and the engine simply restarts a
 * file from byte 0 on a retry.
 */
export interface Sink {
  /** Shown to the user: the directory or `s3://bucket/prefix`. */
  readonly location: string;

  /** A small text object (manifest, metadata), or undefined when absent. */
  readText(path: string): Promise<string | undefined>;

  /** Replaces a small text object atomically: a reader sees the old or the new text, never a mix. */
  writeText(path: string, text: string): Promise<void>;

  /**
   * Read-modify-write of a small text object, serialised against other processes doing the same (shards
   * of one download may share a directory): `change` gets the current text and returns the new one.
   * `signal` ends a wait for another process's lock (not the first try, so a final update after Ctrl-C
   * still lands when nobody holds the lock).
   */
  updateText(path: string, change: (current: string | undefined) => string, signal?: AbortSignal): Promise<void>;

  /**
   * Size and sha256 of a stored file, or undefined when absent. The local sink re-reads and hashes the
   * bytes; a remote sink may answer from a checksum it stored with the object, if it trusts it as much.
   */
  digest(path: string, signal?: AbortSignal): Promise<{ bytes: number; sha256: string } | undefined>;

  /** Starts (or resumes) writing one file; nothing appears under `path` until `commit()`. */
  stage(path: string, options: StageOptions): Promise<StagedFile>;

  /** Bytes an earlier run kept for `path` that `stage` would resume (0 when none), without staging it. */
  kept?(path: string, options: StageOptions): Promise<number>;

  /** Releases connections or handles; called once at the end of a run. */
  close?(): Promise<void>;
}

export interface StageOptions {
  /**
   * Identifies the server's version of the file (its `modify_date` in ms). Bytes kept from an earlier run
   * are resumed only when they were kept under the same stamp; otherwise the file starts over, so a
   * changed file is never spliced onto an old prefix.
   */
  resumeStamp?: number;
}

/**
 * What the kept bytes of a file are a prefix of: the server's validator for that version (a strong ETag
 * or Last-Modified, sent as `If-Range`) and its total length. Without one, kept bytes are not continued.
 */
export interface ResumeToken {
  validator: string;
  total?: number;
}

/** One file being written. Each method is called by one worker at a time, never concurrently. */
export interface StagedFile {
  /** Bytes safely stored so far (from an earlier attempt or run) that a Range request may continue. */
  readonly keptBytes: number;

  /** The token an earlier run suspended the kept bytes with (see `suspend`). */
  readonly resumeToken?: ResumeToken;

  /** Streams the kept bytes back, so the engine can hash and check them before continuing. */
  readKept(): AsyncIterable<Buffer>;

  /**
   * Appends a body after the kept bytes. On failure, `keptBytes` tells what survived (the engine
   * resumes from there), so a sink must not count bytes it did not store. On success it may resolve once
   * the body is consumed, with its last writes still in flight: `commit()` waits for them.
   */
  append(body: AsyncIterable<Buffer>): Promise<void>;

  /**
   * Optional, for sinks that store a chunk synchronously (local files): the same as `append`, but the
   * caller pushes chunks as they arrive, without promises per chunk (async iteration of a body cost
   * ~10% of the main thread's CPU on a loopback download of many small files). Same rules: `keptBytes`
   * counts only stored bytes.
   */
  writer?(): Promise<ChunkWriter>;

  /** Forgets the kept bytes: the next `append` starts the file from byte 0. */
  reset(): Promise<void>;

  /**
   * Publishes the file under its final path, atomically (local: rename). The engine calls it after the
   * checks passed, while the worker already fetches its next file, so at most two files per worker are
   * in a sink at once.
   */
  commit(): Promise<void>;

  /**
   * Keeps what was stored for a later run to resume (interrupt, retries exhausted on a transient error),
   * with the token that names the server's version of those bytes; without a token nothing is kept.
   */
  suspend(token?: ResumeToken): Promise<void>;

  /** Throws away what was stored (the bytes failed a check). */
  discard(): Promise<void>;
}

/** See StagedFile.writer. */
export interface ChunkWriter {
  /** Stores (or batches) one chunk; throws when storing failed. */
  write(chunk: Buffer): void;
  /** Stores what is batched and releases the file; called exactly once, after a failure too. */
  close(): void;
}

/**
 * A path a sink will not open: outside its root, not a regular file (a FIFO, a device, a link), or below
 * a folder that is a link. A CliError (exit 1), so wherever it stops a run it is one line naming the path.
 */
export class RefusedPath extends CliError {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`refusing "${path}": ${why}`);
    this.name = 'RefusedPath';
  }
}
