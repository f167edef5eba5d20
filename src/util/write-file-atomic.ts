import { rename, unlink, writeFile } from 'node:fs/promises';
import { describeFsError } from './fs-error.js';

/**
 * Writes `<path>.tmp-<pid>`, then renames it over `path`: a reader never sees half a file under the
 * final name, and two processes writing the same file never share a temp file. A failure names `path`,
 * never the temp name.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw describeFsError(err, { path, action: 'write' });
  }
}
