import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, ftruncateSync, futimesSync, open, read, renameSync, writeSync, writevSync } from 'node:fs';
import { lstat, open as openHandle, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../errors.js';
import { PART_SUFFIX, isInsidePath } from './layout.js';
import { describeFsError } from '../util/fs-error.js';
import { backoffDelay } from '../http/retry-policy.js';
import { CREATE_NEW, FolderGuard, LinkedPath, REOPEN, createOwn, openOwn, resumable, stillOurs, tempNameFor, type OwnFile } from '../util/no-follow.js';
import { RefusedPath, type ChunkWriter, type ResumeToken, type Sink, type StageOptions, type StagedFile } from './sink.js';

/** A lock older than this belongs to a process that died mid-update. */
const STALE_LOCK_MS = 30_000;
/** The longest wait for another process's lock before giving up with its name (the update takes ms). */
export const LOCK_WAIT_MS = 60_000;
/** Waits longer than this are announced, naming the holder. */
const LOCK_NOTICE_MS = 1_000;
const READ_CHUNK = 1024 * 1024;
const WRITE_BATCH = 512 * 1024;
/** Only read, never written through a link, never blocking on a FIFO. */
const READ_ONLY = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

export interface LocalSinkOptions {
  /** The bound on one lock wait (default LOCK_WAIT_MS). */
  lockWaitMs?: number;
  /** Says why the run is waiting (another process's lock); the library never prints. */
  notice?: (line: string) => void;
}

/**
 * A download directory. Files are written as `<final>.part`, renamed after their checks, and never
 * fsync'd: a killed process (Ctrl-C, OOM, kill -9) loses nothing that was renamed, because the rename
 * comes after the last write; only a power loss could leave a renamed file short, and `neurovault verify`
 * (a full re-hash) finds that. Syncing each file would cost a disk flush per image.
 *
 * Nothing is opened through a link (see util/no-follow.ts). The `.part` name is deterministic so an
 * interrupted file can be resumed, and it cannot be any other name of the run: final names end in one of
 * layout.ts's extensions (never `.part`), the rest are `*_metadata.json`, `manifest.jsonl` and this
 * sink's own `.nvpart`/`.lock`/`.resume` files. A `.part` is resumed only when it is provably ours:
 * reopened with O_NOFOLLOW, then on the descriptor a regular file with one link, owned by this user and
 * stamped with the server version (mtime) and token (`.part.resume`) an earlier run left; anything else
 * there is unlinked (never followed) and the file starts over.
 */
export class LocalSink implements Sink {
  readonly location: string;
  private readonly root: string;
  private readonly folders: FolderGuard;
  /** Names of `*.part` files per directory, listed once: one readdir instead of a stat per file. */
  private readonly parts = new Map<string, Promise<Set<string>>>();

  constructor(
    dir: string,
    private readonly options: LocalSinkOptions = {},
  ) {
    this.root = resolve(dir);
    this.location = dir;
    this.folders = new FolderGuard(this.root, (abs) => relative(this.root, abs).split(sep).join('/'));
  }

  /** The absolute path of a layout path; refuses anything that would leave the root. */
  resolvePath(path: string): string {
    const abs = resolve(this.root, path);
    if (isAbsolute(path) || !isInsidePath(path) || !abs.startsWith(this.root + sep)) throw new RefusedPath(path, 'outside the folder');
    return abs;
  }

  /** Makes the folder of a file, refusing a link below the root (a RefusedPath naming it). */
  private ensureDir(dir: string): Promise<void> {
    return this.folders.ensure(dir).catch(refusedLink);
  }

  async readText(path: string): Promise<string | undefined> {
    const abs = this.resolvePath(path);
    let fh: FileHandle;
    try {
      await this.folders.inspect(dirname(abs)).catch(refusedLink);
      fh = await openHandle(abs, READ_ONLY);
    } catch (err) {
      if (isMissing(err)) return undefined;
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new RefusedPath(path, 'a symbolic link, not a regular file');
      throw describeFsError(err, { path: abs, action: 'read' });
    }
    try {
      const st = await fh.stat();
      // A folder is left to fail below (EISDIR, said in words); a FIFO or a device could block or never end.
      if (!st.isFile() && !st.isDirectory()) throw new RefusedPath(path, 'not a regular file');
      return await fh.readFile('utf8');
    } catch (err) {
      if (err instanceof RefusedPath) throw err;
      throw describeFsError(err, { path: abs, action: 'read' });
    } finally {
      await fh.close();
    }
  }

  async writeText(path: string, text: string): Promise<void> {
    const abs = this.resolvePath(path);
    await this.ensureDir(dirname(abs));
    const tmp = tempNameFor(abs);
    // Only the create goes to the thread pool (it can be slow, see LocalStagedFile); a few KiB of text and
    // a rename are cheaper done here than handed off (one image = one metadata file).
    const fd = await openFd(tmp, CREATE_NEW);
    try {
      try {
        writeAllSync(fd, [Buffer.from(text)]);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, abs);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw describeFsError(err, { path: abs, action: 'write' });
    }
  }

  async updateText(path: string, change: (current: string | undefined) => string, signal?: AbortSignal): Promise<void> {
    const abs = this.resolvePath(path);
    await this.ensureDir(dirname(abs));
    const lock = `${abs}.lock`;
    await acquireLock(lock, { ...this.options, signal });
    try {
      await this.writeText(path, change(await this.readText(path)));
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }

  async digest(path: string, signal?: AbortSignal): Promise<{ bytes: number; sha256: string } | undefined> {
    const abs = this.resolvePath(path);
    let fh: FileHandle;
    try {
      await this.folders.inspect(dirname(abs)).catch(refusedLink);
      // Non-blocking: opening a FIFO for reading would wait for a writer forever, on a thread-pool
      // thread no signal can free. Not following a final symlink: it could lead anywhere.
      fh = await openHandle(abs, READ_ONLY);
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new RefusedPath(path, 'a symbolic link, not a regular file');
      throw err;
    }
    try {
      // One buffer per call, sized to the file: a re-run hashes thousands of small files, and a fresh
      // 1 MiB stream buffer per read would mostly feed the garbage collector.
      const st = await fh.stat();
      if (st.isDirectory()) return undefined;
      if (!st.isFile()) throw new RefusedPath(path, 'not a regular file');
      const { size } = st;
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK, size + 1)));
      const hash = createHash('sha256');
      let bytes = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        bytes += bytesRead;
      }
      return { bytes, sha256: hash.digest('hex') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw err;
    } finally {
      await fh.close();
    }
  }

  async stage(path: string, options: StageOptions): Promise<StagedFile> {
    const final = this.resolvePath(path);
    const dir = dirname(final);
    await this.ensureDir(dir);
    const part = final + PART_SUFFIX;
    const parts = await this.partsIn(dir);
    const listed = parts.has(basename(part));
    // Listed from now on: `kept` after the run (what an interrupted run kept) must see this part too.
    parts.add(basename(part));
    if (options.resumeStamp !== undefined && listed) {
      const kept = await reopenKept(part, options.resumeStamp);
      if (kept) return new LocalStagedFile(final, part, options.resumeStamp, kept);
    }
    return new LocalStagedFile(final, part, options.resumeStamp);
  }

  /** The bytes `stage` would resume for `path`, judged as reopenKept judges them, without opening the file. */
  async kept(path: string, options: StageOptions): Promise<number> {
    const part = this.resolvePath(path) + PART_SUFFIX;
    if (options.resumeStamp === undefined || !(await this.partsIn(dirname(part))).has(basename(part))) return 0;
    const stats = await lstat(part).catch(() => undefined);
    if (!stats || !resumable(stats) || Math.abs(stats.mtimeMs - options.resumeStamp) >= 1) return 0;
    return (await readToken(part)) ? stats.size : 0;
  }

  private partsIn(dir: string): Promise<Set<string>> {
    let names = this.parts.get(dir);
    if (!names) {
      names = readdir(dir).then(
        (all) => new Set(all.filter((n) => n.endsWith(PART_SUFFIX))),
        () => new Set<string>(),
      );
      this.parts.set(dir, names);
    }
    return names;
  }
}

/** A kept `.part` that is provably ours (see LocalSink), with its token; undefined when it is not. */
async function reopenKept(part: string, stamp: number): Promise<{ own: OwnFile; bytes: number; token: ResumeToken } | undefined> {
  let opened;
  try {
    opened = await openOwn(part, REOPEN);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isMissing(err) || code === 'ELOOP' || code === 'ENXIO') return undefined;
    throw err;
  }
  const { stats, ...own } = opened;
  const token = resumable(stats) && Math.abs(stats.mtimeMs - stamp) < 1 ? await readToken(part) : undefined;
  if (token) return { own, bytes: stats.size, token };
  closeSync(own.fd);
  return undefined;
}

class LocalStagedFile implements StagedFile {
  /**
   * The one descriptor of the `.part`, held from stage to commit/suspend/discard: every write, the
   * read-back of kept bytes and the mtime stamp go through it, never through the name again. A new
   * file is created while its request is still in flight: creating a file is the slowest step on many
   * file systems (≈1 ms on a cloud VM's ext4, more in a directory where many files were just deleted),
   * and it need not wait for the response headers. It is the one step left on the thread pool.
   */
  private file?: Promise<OwnFile>;
  private kept: number;
  readonly resumeToken: ResumeToken | undefined;

  constructor(
    private readonly final: string,
    private readonly part: string,
    private readonly resumeStamp: number | undefined,
    resumed?: { own: OwnFile; bytes: number; token: ResumeToken },
  ) {
    this.kept = resumed?.bytes ?? 0;
    this.resumeToken = resumed?.token;
    this.file = resumed ? Promise.resolve(resumed.own) : createOwn(part);
    this.file.catch(() => undefined);
  }

  /** Closes the descriptor once; later calls do nothing. */
  private async release(): Promise<OwnFile | undefined> {
    const file = this.file;
    this.file = undefined;
    const own = file ? await file.catch(() => undefined) : undefined;
    if (own) closeSync(own.fd);
    return own;
  }

  private async fd(): Promise<number> {
    if (!this.file) throw new Error(`${this.part} is closed`);
    return (await this.file).fd;
  }

  get keptBytes(): number {
    return this.kept;
  }

  async *readKept(): AsyncIterable<Buffer> {
    if (this.kept === 0) return;
    const fd = await this.fd();
    for (let pos = 0; pos < this.kept; ) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, this.kept - pos));
      const n = await new Promise<number>((ok, fail) => read(fd, chunk, 0, chunk.length, pos, (err, got) => (err ? fail(err) : ok(got))));
      if (n === 0) throw new Error(`${this.part} shrank while being resumed`);
      pos += n;
      yield chunk.subarray(0, n);
    }
  }

  async append(body: AsyncIterable<Buffer>): Promise<void> {
    const writer = await this.writer();
    try {
      for await (const chunk of body) writer.write(chunk);
    } finally {
      // What arrived before a failure is good data: kept for the resume, and counted before returning.
      writer.close();
    }
  }

  async writer(): Promise<ChunkWriter> {
    // Writes are synchronous: they only copy into the page cache (tens of µs for a batch), while each
    // thread-pool round trip costs the main thread about as much again in hand-offs and wake-ups, and a
    // loopback download is bound by the main thread. Each write is on disk when counted, so `kept` is
    // exact after a failure. Chunks are gathered into one writev of up to WRITE_BATCH bytes; memory
    // stays bounded by the batch. The descriptor appends (O_APPEND), so writes land after the kept bytes.
    const fd = await this.fd();
    let batch: Buffer[] = [];
    let batched = 0;
    let isOpen = true;
    const flush = () => {
      const chunks = batch;
      batch = [];
      batched = 0;
      this.kept += writeAllSync(fd, chunks);
    };
    return {
      write: (chunk) => {
        if (!isOpen) throw new Error(`${this.part} is closed`);
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH) flush();
      },
      close: () => {
        if (!isOpen) return;
        isOpen = false;
        if (batched > 0) flush();
      },
    };
  }

  async reset(): Promise<void> {
    this.kept = 0;
    const own = this.file ? await this.file.catch(() => undefined) : undefined;
    if (own) ftruncateSync(own.fd, 0);
  }

  async commit(): Promise<void> {
    const own = await this.release();
    // Renamed only while the name is still the file we wrote: another process sharing the folder may
    // have put a link or its own file there since.
    if (!own || !stillOurs(this.part, own)) throw new RefusedPath(this.part, 'replaced by another file while it was written; not renamed into place');
    renameSync(this.part, this.final);
    this.kept = 0;
    if (this.resumeToken) await unlink(this.part + TOKEN_SUFFIX).catch(() => undefined);
  }

  async suspend(token?: ResumeToken): Promise<void> {
    if (this.kept > 0 && this.resumeStamp !== undefined && token !== undefined) {
      // The stamp in the mtime tells the next run which server version (modify_date) these bytes belong
      // to, the token beside them which file version (If-Range); written first, so a part is never
      // newer than its token.
      const stamp = this.resumeStamp / 1000;
      try {
        await writeToken(this.part + TOKEN_SUFFIX, token);
        const own = this.file ? await this.file : undefined;
        if (own) {
          futimesSync(own.fd, stamp, stamp);
          await this.release();
          return;
        }
      } catch {
        // Not resumable then: dropped below.
      }
    }
    await this.discard();
  }

  async discard(): Promise<void> {
    await this.release();
    this.kept = 0;
    await unlink(this.part).catch(() => undefined);
    await unlink(this.part + TOKEN_SUFFIX).catch(() => undefined);
  }
}

/** A LinkedPath from the folder check as the sink's RefusedPath (verify lists it, download names it). */
function refusedLink(err: unknown): never {
  if (err instanceof LinkedPath) throw new RefusedPath(err.path, err.why);
  throw err;
}

/** Beside a kept `*.part`: the ResumeToken (JSON) of the bytes in it. */
const TOKEN_SUFFIX = '.resume';

/** The token beside a kept part, read without following a link; undefined when absent or not ours. */
async function readToken(part: string): Promise<ResumeToken | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await openHandle(part + TOKEN_SUFFIX, READ_ONLY);
    const st = await fh.stat();
    if (!resumable(st) || st.size > 4096) return undefined;
    const v = JSON.parse(await fh.readFile('utf8')) as Partial<ResumeToken>;
    if (typeof v.validator !== 'string' || v.validator === '' || v.validator.length > 1024) return undefined;
    return { validator: v.validator, total: Number.isSafeInteger(v.total) ? v.total : undefined };
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

async function writeToken(path: string, token: ResumeToken): Promise<void> {
  const own = await createOwn(path);
  try {
    writeAllSync(own.fd, [Buffer.from(JSON.stringify(token))]);
  } finally {
    closeSync(own.fd);
  }
}

/** fs.open on the thread pool, as a plain descriptor (the sync calls below need one; a FileHandle would close it again). */
function openFd(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, 0o666, (err, fd) => (err ? reject(err) : resolve(fd))));
}

/** Writes every chunk, finishing a short writev (rare: a full disk, a signal) chunk by chunk; returns the bytes. */
function writeAllSync(fd: number, chunks: Buffer[]): number {
  let written = writevSync(fd, chunks);
  let total = written;
  for (const chunk of chunks) {
    if (written >= chunk.length) {
      written -= chunk.length;
      continue;
    }
    let off = written;
    written = 0;
    while (off < chunk.length) {
      const n = writeSync(fd, chunk, off, chunk.length - off);
      off += n;
      total += n;
    }
  }
  return total;
}

/**
 * An O_EXCL lock file holding `host:pid`. A lock left by a dead process (kill -9, a second Ctrl-C) is
 * taken over at once when it names this host, else once it is STALE_LOCK_MS old by its mtime: a shard on
 * another machine sharing the folder cannot be asked whether it is alive. An mtime in the future (the
 * other machine's clock is ahead) proves nothing either way, so such a lock is waited for like a live
 * one. Every wait is bounded (options.lockWaitMs), announced after a second with the holder's name, and
 * ends at once when the run's signal fires (Ctrl-C, SIGTERM).
 */
async function acquireLock(lock: string, options: LocalSinkOptions & { signal?: AbortSignal }): Promise<void> {
  const me = `${hostname()}:${process.pid}`;
  const { signal } = options;
  const maxWait = options.lockWaitMs ?? LOCK_WAIT_MS;
  const started = Date.now();
  let announced = false;
  for (let attempt = 0; ; attempt++) {
    try {
      // O_EXCL never follows a link: a link planted at the lock's name counts as a held lock.
      const fh = await openHandle(lock, 'wx');
      await fh.writeFile(me);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (signal?.aborted) throw signal.reason;
    let holder: LockHolder;
    try {
      holder = await lockHolder(lock);
    } catch (err) {
      // Released between our open and the look at it: try again at once.
      if (isMissing(err)) continue;
      throw err;
    }
    const age = Date.now() - holder.mtimeMs;
    if (age > STALE_LOCK_MS || deadHere(holder.owner)) {
      await unlink(lock).catch(() => undefined);
      continue;
    }
    const waited = Date.now() - started;
    const whose = `${lock} is held by ${holder.owner}${age < 0 ? ` (its time is ${Math.ceil(-age / 1000)} s in the future: clock skew)` : ''}`;
    if (waited >= maxWait) {
      throw new CliError(`gave up after ${Math.round(waited / 1000)} s: ${whose}`, {
        hint: `if no neurovault run is writing to this folder any more, remove the lock: rm ${shellQuote(lock)}`,
      });
    }
    if (!announced && waited >= LOCK_NOTICE_MS) {
      announced = true;
      options.notice?.(`waiting for the lock: ${whose} (up to ${Math.round(maxWait / 1000)} s)`);
    }
    try {
      await sleep(Math.min(backoffDelay(attempt, { baseMs: 10, maxMs: 200 }), maxWait - waited), undefined, { signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw err;
    }
  }
}

interface LockHolder {
  owner: string;
  mtimeMs: number;
}

async function lockHolder(lock: string): Promise<LockHolder> {
  const st = await lstat(lock);
  if (!st.isFile()) return { owner: st.isSymbolicLink() ? 'a symbolic link (not a neurovault lock)' : 'something that is not a file', mtimeMs: st.mtimeMs };
  const fh = await openHandle(lock, READ_ONLY);
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const owner = buf.toString('utf8', 0, bytesRead).trim();
    return { owner: /^[\w.-]{1,200}:\d{1,10}$/.test(owner) ? owner : 'an unknown process', mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

function shellQuote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

function deadHere(owner: string): boolean {
  const m = /^(.*):(\d+)$/.exec(owner.trim());
  if (!m || m[1] !== hostname()) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
