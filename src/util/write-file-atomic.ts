import { open, rename, unlink } from 'node:fs/promises';
import { describeFsError } from './fs-error.js';
import { CREATE_NEW_AT, tempNameFor } from './no-follow.js';

/**
 * Writes a fresh `.<name>.<random>.nvpart` beside `path` (created O_EXCL|O_NOFOLLOW, so never through a
 * planted link), then renames it over `path`: a reader never sees half a file under the final name, and
 * two processes writing the same file never share a temp file. A failure names `path`, never the temp
 * name.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempNameFor(path);
  try {
    const fh = await open(tmp, CREATE_NEW_AT, 0o666);
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw describeFsError(err, { path, action: 'write' });
  }
}
