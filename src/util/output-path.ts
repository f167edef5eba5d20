import { open, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExitCode } from '../errors.js';
import { FileSystemError, fsReason, isErrno } from './fs-error.js';

/**
 * Checks, before any request, that an output path can be written: a folder that exists or can be made
 * (and takes new files), or a file whose folder does. Nothing is created; a file is made and removed in
 * the folder that would receive the output, since only trying tells a read-only mount, a full quota, root
 * on a root-squashed share or /proc from a writable folder. A failure is a FileSystemError with exit 2,
 * naming the user's path and the reason in words.
 */
export async function checkOutputFolder(path: string, flag: string): Promise<void> {
  const abs = resolve(path);
  const st = await lookUp(abs, path, flag);
  if (st && !st.isDirectory()) throw refused(path, flag, 'write to', 'not a folder');
  if (st) return probe(abs, path, flag, 'write to');
  await creatableUnder(abs, path, flag);
}

/**
 * A file written whole by temp-and-rename: it may not be a folder, and its folder must take new files.
 * `makeParents`: a missing folder is made by the writer (else it is an error here: `parent folder missing`).
 */
export async function checkOutputFile(path: string, flag: string, options: { makeParents?: boolean } = {}): Promise<void> {
  const abs = resolve(path);
  const st = await lookUp(abs, path, flag);
  if (st?.isDirectory()) throw refused(path, flag, 'write', 'is a folder');
  // The new file is renamed over the old: over /dev/null (root may) that would replace the device.
  if (st && !st.isFile()) throw refused(path, flag, 'write', 'not a regular file (it would be replaced, not written to)');
  const parent = dirname(abs);
  const parentSt = await lookUp(parent, path, flag);
  if (parentSt && !parentSt.isDirectory()) throw refused(path, flag, 'write', `${dirname(path)} is not a folder`);
  if (parentSt) return probe(parent, path, flag, 'write');
  if (!options.makeParents) throw refused(path, flag, 'write', `the folder ${dirname(path)} does not exist`);
  await creatableUnder(parent, path, flag);
}

/** The stats of `abs`, undefined when it does not exist; any other failure (EACCES, ELOOP, ENOTDIR) is refused. */
async function lookUp(abs: string, path: string, flag: string): Promise<Stats | undefined> {
  try {
    return await stat(abs);
  } catch (err) {
    if (isErrno(err) && err.code === 'ENOENT') return undefined;
    if (isErrno(err)) throw refused(path, flag, 'write to', err.code === 'ENOTDIR' ? 'a part of the path is not a folder' : fsReason(err.code), err);
    throw err;
  }
}

/** `abs` is missing: the nearest folder that exists must take new entries, and nothing in between be a file. */
async function creatableUnder(abs: string, path: string, flag: string): Promise<void> {
  let dir = abs;
  for (;;) {
    const up = dirname(dir);
    if (up === dir) throw refused(path, flag, 'create', 'no folder of it exists');
    dir = up;
    const st = await lookUp(dir, path, flag);
    if (!st) continue;
    if (!st.isDirectory()) throw refused(path, flag, 'create', `${dir} is not a folder`);
    return probe(dir, path, flag, 'create');
  }
}

async function probe(dir: string, path: string, flag: string, action: string): Promise<void> {
  const name = join(dir, `.neurovault-write-check-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    await (await open(name, 'wx')).close();
  } catch (err) {
    if (isErrno(err) && err.code === 'EEXIST') return;
    // procfs and sysfs answer a create with ENOENT in a folder that exists.
    if (isErrno(err)) throw refused(path, flag, action, err.code === 'ENOENT' ? `${dir} does not take new files` : fsReason(err.code), err);
    throw err;
  }
  await unlink(name).catch(() => undefined);
}

function refused(path: string, flag: string, action: string, reason: string, cause?: unknown): FileSystemError {
  const code = isErrno(cause) ? cause.code : undefined;
  return new FileSystemError(`${path} (${flag})`, action, reason, code, { exitCode: ExitCode.usage, cause });
}
