import type * as Crypto from 'node:crypto';
import { constants as fsConstants, fstatSync, lstatSync, open, unlink, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { makeDirs } from './make-dirs.js';
import { basename, dirname, join, relative, sep } from 'node:path';

/**
 * Writing into a folder that others may write to too (shards sharing one download folder, a group
 * project directory): whoever can plant a symbolic link there must not be able to make this process
 * write anywhere else. The rules, shared by `download` (local-sink.ts) and `s3 cp` (ranged-get.ts):
 *
 * - Files are created with O_CREAT|O_EXCL|O_NOFOLLOW: never through a link, never onto a file that was
 *   already there. An existing file is only ever reopened with O_NOFOLLOW and then checked on its
 *   descriptor (fstat), which cannot race.
 * - A finished file is renamed into place only while its temporary name is still the file we wrote
 *   (lstat of the name = fstat of our descriptor). rename() replaces a link at the final name; it never
 *   writes through one.
 * - The destination folder itself may be a link (a user's own disk layout); folders below it may not:
 *   they are checked with lstat once per run, when first used (Node has no openat(), so a folder swapped
 *   for a link during the run is not caught; a planted one is).
 */

/** Create a new file for writing at chosen offsets; fails with EEXIST on anything already there (a link too). */
export const CREATE_NEW_AT = fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
/** The same, appending (positions given to a write are then ignored). */
export const CREATE_NEW = CREATE_NEW_AT | fsConstants.O_APPEND;
/** Reopen a file this process may have written: never through a link, never blocking on a FIFO. */
export const REOPEN = fsConstants.O_RDWR | fsConstants.O_APPEND | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** A link or a non-folder below the destination folder, where the run would have written. */
export class LinkedPath extends Error {
  constructor(
    /** The offending path, as the caller named the folder. */
    readonly path: string,
    readonly why: string,
  ) {
    super(`refusing ${path}: ${why}`);
    this.name = 'LinkedPath';
  }
}

/** A descriptor with the identity of the file it was opened on. */
export interface OwnFile {
  fd: number;
  dev: number;
  ino: number;
}

/** open(2) on the thread pool (creating a file is the slow step on many file systems), plus fstat. */
export function openOwn(path: string, flags: number): Promise<OwnFile & { stats: Stats }> {
  return new Promise((resolve, reject) =>
    open(path, flags, 0o666, (err, fd) => {
      if (err) return reject(err);
      const stats = fstatSync(fd);
      resolve({ fd, dev: stats.dev, ino: stats.ino, stats });
    }),
  );
}

/** Creates `path` anew; a leftover there (a stale file or a planted link) is unlinked once, never followed. */
export async function createOwn(path: string): Promise<OwnFile> {
  try {
    return await openOwn(path, CREATE_NEW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await new Promise<void>((resolve, reject) => unlink(path, (err) => (err && err.code !== 'ENOENT' ? reject(err) : resolve())));
  return openOwn(path, CREATE_NEW);
}

/** True while `path` still names the file behind `own` (nobody renamed another file or a link over it). */
export function stillOurs(path: string, own: OwnFile): boolean {
  try {
    const st = lstatSync(path);
    return st.isFile() && st.ino === own.ino && st.dev === own.dev;
  } catch {
    return false;
  }
}

/**
 * Whether a file found on disk may be continued as our own earlier work: a regular file, one link (not
 * a hard link to some other file of ours), owned by this user.
 */
export function resumable(st: Stats): boolean {
  const uid = process.getuid?.();
  return st.isFile() && st.nlink === 1 && (uid === undefined || st.uid === uid);
}

/** A temporary name beside `final` that no other name of the run can take: `.<name>.<random>.nvpart`. */
export function tempNameFor(final: string): string {
  // node:crypto on first use: readers of the modules that import this one (a cached DOI lookup) never call it.
  const { randomBytes } = process.getBuiltinModule('node:crypto') as typeof Crypto;
  return join(dirname(final), `.${basename(final)}.${randomBytes(8).toString('hex')}.nvpart`);
}

/**
 * Folders below a root, made and checked once each: every component between the root and the folder
 * must be a real folder, not a link. The root itself is not checked.
 */
export class FolderGuard {
  private readonly checked = new Map<string, Promise<void>>();

  constructor(
    readonly root: string,
    /** How a path is named in errors (relative to what the user typed). */
    private readonly show: (abs: string) => string = (abs) => abs,
  ) {}

  /** mkdir -p, then the check. */
  ensure(dir: string): Promise<void> {
    return this.memo(dir, async () => {
      await makeDirs(dir);
      await this.check(dir);
    });
  }

  /** The check alone: a missing folder is fine (nothing is under it). */
  inspect(dir: string): Promise<void> {
    return this.memo(`?${dir}`, () => this.check(dir));
  }

  private memo(key: string, run: () => Promise<void>): Promise<void> {
    let done = this.checked.get(key);
    if (!done) {
      done = run();
      done.catch(() => this.checked.delete(key));
      this.checked.set(key, done);
    }
    return done;
  }

  private async check(dir: string): Promise<void> {
    const rel = relative(this.root, dir);
    if (rel === '') return;
    if (rel.startsWith('..') || rel.startsWith(sep)) throw new LinkedPath(this.show(dir), 'outside the destination folder');
    let at = this.root;
    for (const part of rel.split(sep)) {
      at = join(at, part);
      let st;
      try {
        st = await lstat(at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      if (st.isSymbolicLink()) {
        throw new LinkedPath(this.show(at), 'a symbolic link inside the destination folder (links there are not followed; replace it with a folder)');
      }
      if (!st.isDirectory()) throw new LinkedPath(this.show(at), 'not a folder');
    }
  }
}
