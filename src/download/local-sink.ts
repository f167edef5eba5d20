import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, createReadStream, open, renameSync, writeSync, writevSync } from 'node:fs';
import { open as openHandle, readFile, readdir, stat, unlink, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PART_SUFFIX, isInsidePath } from './layout.js';
import { makeDirs } from '../util/make-dirs.js';
import { describeFsError } from '../util/fs-error.js';
import { backoffDelay } from '../http/retry-policy.js';
import { RefusedPath, type ChunkWriter, type ResumeToken, type Sink, type StageOptions, type StagedFile } from './sink.js';

/** A lock older than this belongs to a process that died mid-update. */
const STALE_LOCK_MS = 30_000;
const READ_CHUNK = 1024 * 1024;
const WRITE_BATCH = 512 * 1024;

let tmpCounter = 0;

/**
 * A download directory. Files are written as `<final>.part`, renamed after their checks, and never
 * fsync'd: a killed process (Ctrl-C, OOM, kill -9) loses nothing that was renamed, because the rename
 * comes after the last write; only a power loss could leave a renamed file short, and `neurovault verify`
 * (a full re-hash) finds that. Syncing each file would cost a disk flush per image.
 */
export class LocalSink implements Sink {
  readonly location: string;
  private readonly root: string;
  private readonly dirs = new Map<string, Promise<unknown>>();
  /** Names of `*.part` files per directory, listed once: one readdir instead of a stat per file. */
  private readonly parts = new Map<string, Promise<Set<string>>>();

  constructor(dir: string) {
    this.root = resolve(dir);
    this.location = dir;
  }

  /** The absolute path of a layout path; refuses anything that would leave the root. */
  resolvePath(path: string): string {
    const abs = resolve(this.root, path);
    if (isAbsolute(path) || !isInsidePath(path) || !abs.startsWith(this.root + sep)) throw new RefusedPath(path, 'outside the folder');
    return abs;
  }

  private ensureDir(dir: string): Promise<unknown> {
    let made = this.dirs.get(dir);
    if (!made) {
      made = makeDirs(dir);
      made.catch(() => this.dirs.delete(dir));
      this.dirs.set(dir, made);
    }
    return made;
  }

  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.resolvePath(path), 'utf8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw describeFsError(err, { path: this.resolvePath(path), action: 'read' });
    }
  }

  async writeText(path: string, text: string): Promise<void> {
    const abs = this.resolvePath(path);
    await this.ensureDir(dirname(abs));
    const tmp = `${abs}.tmp-${process.pid}-${++tmpCounter}`;
    // Only the create goes to the thread pool (it can be slow, see LocalStagedFile); a few KiB of text and
    // a rename are cheaper done here than handed off (one image = one metadata file).
    const fd = await openFd(tmp, 'w');
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
    await acquireLock(lock, signal);
    try {
      await this.writeText(path, change(await this.readText(path)));
    } finally {
      await unlink(lock).catch(() => undefined);
    }
  }

  async digest(path: string, signal?: AbortSignal): Promise<{ bytes: number; sha256: string } | undefined> {
    let fh: FileHandle;
    try {
      // Non-blocking: opening a FIFO for reading would wait for a writer forever, on a thread-pool
      // thread no signal can free. Not following a final symlink: it could lead anywhere.
      fh = await openHandle(this.resolvePath(path), fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW);
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
    let kept = 0;
    let token: ResumeToken | undefined;
    if (options.resumeStamp !== undefined && (await this.partsIn(dir)).has(basename(part))) {
      try {
        const st = await stat(part);
        token = st.isFile() && Math.abs(st.mtimeMs - options.resumeStamp) < 1 ? await readToken(part) : undefined;
        if (token) kept = st.size;
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return new LocalStagedFile(final, part, kept, options.resumeStamp, token);
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

class LocalStagedFile implements StagedFile {
  /**
   * A new file is created while its request is still in flight: creating a file is the slowest step on
   * many file systems (≈1 ms on a cloud VM's ext4, more in a directory where many files were just
   * deleted), and it need not wait for the response headers. It is the one step left on the thread pool.
   */
  private early?: Promise<number>;

  constructor(
    private readonly final: string,
    private readonly part: string,
    private kept: number,
    private readonly resumeStamp: number | undefined,
    readonly resumeToken: ResumeToken | undefined,
  ) {
    if (kept === 0) {
      this.early = openFd(part, 'w');
      this.early.catch(() => undefined);
    }
  }

  /** Closes an early descriptor that no append used. */
  private async dropEarly(): Promise<void> {
    const early = this.early;
    this.early = undefined;
    const fd = early ? await early.catch(() => undefined) : undefined;
    if (fd !== undefined) closeSync(fd);
  }

  get keptBytes(): number {
    return this.kept;
  }

  async *readKept(): AsyncIterable<Buffer> {
    if (this.kept === 0) return;
    let left = this.kept;
    for await (const chunk of createReadStream(this.part, { highWaterMark: READ_CHUNK, end: this.kept - 1 })) {
      left -= (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (left !== 0) throw new Error(`${this.part} shrank while being resumed`);
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
    // Writes and the close are synchronous: they only copy into the page cache (tens of µs for a batch),
    // while each thread-pool round trip costs the main thread about as much again in hand-offs and
    // wake-ups, and a loopback download is bound by the main thread. Each write is on disk when counted,
    // so `kept` is exact after a failure. Chunks are gathered into one writev of up to WRITE_BATCH bytes;
    // memory stays bounded by the batch.
    let fd: number;
    if (this.early && this.kept === 0) {
      const early = this.early;
      this.early = undefined;
      fd = await early;
    } else {
      await this.dropEarly();
      fd = await openFd(this.part, this.kept > 0 ? 'a' : 'w');
    }
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
        try {
          if (batched > 0) flush();
        } finally {
          closeSync(fd);
        }
      },
    };
  }

  async reset(): Promise<void> {
    this.kept = 0;
  }

  async commit(): Promise<void> {
    await this.dropEarly();
    renameSync(this.part, this.final);
    this.kept = 0;
    if (this.resumeToken) await unlink(this.part + TOKEN_SUFFIX).catch(() => undefined);
  }

  async suspend(token?: ResumeToken): Promise<void> {
    await this.dropEarly();
    if (this.kept > 0 && this.resumeStamp !== undefined && token !== undefined) {
      // The stamp in the mtime tells the next run which server version (modify_date) these bytes belong
      // to, the token beside them which file version (If-Range); written first, so a part is never
      // newer than its token.
      const stamp = this.resumeStamp / 1000;
      try {
        await writeFile(this.part + TOKEN_SUFFIX, JSON.stringify(token));
        await utimes(this.part, stamp, stamp);
        return;
      } catch {
        // Not resumable then: dropped below.
      }
    }
    await this.discard();
  }

  async discard(): Promise<void> {
    await this.dropEarly();
    this.kept = 0;
    await unlink(this.part).catch(() => undefined);
    await unlink(this.part + TOKEN_SUFFIX).catch(() => undefined);
  }
}

/** Beside a kept `*.part`: the ResumeToken (JSON) of the bytes in it. */
const TOKEN_SUFFIX = '.resume';

async function readToken(part: string): Promise<ResumeToken | undefined> {
  try {
    const v = JSON.parse(await readFile(part + TOKEN_SUFFIX, 'utf8')) as Partial<ResumeToken>;
    if (typeof v.validator !== 'string' || v.validator === '' || v.validator.length > 1024) return undefined;
    return { validator: v.validator, total: Number.isSafeInteger(v.total) ? v.total : undefined };
  } catch {
    return undefined;
  }
}

/** fs.open on the thread pool, as a plain descriptor (the sync calls below need one; a FileHandle would close it again). */
function openFd(path: string, flags: string): Promise<number> {
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
 * taken over at once when it names this host, else once it is STALE_LOCK_MS old: a shard on another
 * machine sharing the folder cannot be asked whether it is alive.
 */
async function acquireLock(lock: string, signal?: AbortSignal): Promise<void> {
  const me = `${hostname()}:${process.pid}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await openHandle(lock, 'wx');
      await fh.writeFile(me);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    signal?.throwIfAborted();
    try {
      const [st, owner] = await Promise.all([stat(lock), readFile(lock, 'utf8')]);
      if (Date.now() - st.mtimeMs > STALE_LOCK_MS || deadHere(owner)) await unlink(lock).catch(() => undefined);
    } catch {
      // Released between our open and stat: try again at once.
      continue;
    }
    await sleep(backoffDelay(attempt, { baseMs: 10, maxMs: 200 }), undefined, { signal });
  }
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
