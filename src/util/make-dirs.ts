import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p` without Node's `{ recursive: true }`: where mkdir says ENOENT although the parent exists
 * (procfs, sysfs: `--out /proc/x`), Node's recursive mkdir retries forever on a thread-pool thread, at
 * 100 % CPU and deaf to signals. Here each missing level is made once, parents first, so the loop is
 * bounded by the path's depth and an ENOENT at an existing parent is an error like any other.
 * Resolves when `dir` is a folder; otherwise rejects with the fs error of the level that failed.
 */
export async function makeDirs(dir: string, mode?: number): Promise<void> {
  const target = resolve(dir);
  try {
    await mkdir(target, mode === undefined ? undefined : { mode });
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return existingFolder(target, err);
    const parent = dirname(target);
    if (code !== 'ENOENT' || parent === target || (await isFolder(parent))) throw err;
  }
  await makeDirs(dirname(target), mode);
  try {
    await mkdir(target, mode === undefined ? undefined : { mode });
  } catch (err) {
    // Another process may have made it in between.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await existingFolder(target, err);
  }
}

/** EEXIST is fine only when what is there is a folder (or a link to one), not a file in the way. */
async function existingFolder(path: string, original: unknown): Promise<void> {
  if (!(await isFolder(path))) throw original;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
