import { open, rename, unlink } from 'node:fs/promises';
import { describeFsError } from './fs-error.js';
import { CREATE_NEW_AT, stillOurs, tempNameFor, type OwnFile } from './no-follow.js';

/**
 * Writes a fresh `.<name>.<random>.nvpart` beside `path` (created O_EXCL|O_NOFOLLOW, so never through a
 * planted link), then renames it over `path` while that temporary name is still the file written: a
 * reader never sees half a file under the final name, two processes writing the same file never share a
 * temp file, and a file swapped in meanwhile is never renamed into place. `data` may come in pieces (a
 * large file built in parts), written with one writev. A failure names `path`, never the temp name.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const tmp = tempNameFor(path);
  try {
    const fh = await open(tmp, CREATE_NEW_AT, 0o666);
    let own: OwnFile;
    try {
      const st = await fh.stat();
      own = { fd: fh.fd, dev: st.dev, ino: st.ino };
      if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
      else {
        const { bytesWritten } = await fh.writev(data);
        // A short writev (rare: a full disk, a signal) is finished from where it stopped.
        const total = data.reduce((n, piece) => n + piece.length, 0);
        if (bytesWritten < total) await fh.writeFile(Buffer.concat(data).subarray(bytesWritten));
      }
    } finally {
      await fh.close();
    }
    if (!stillOurs(tmp, own)) throw new Error(`${tmp} was replaced while it was written; not renamed over ${path}`);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw describeFsError(err, { path, action: 'write' });
  }
}
