import { rename, unlink, writeFile } from 'node:fs/promises';

/** Writes `<path>.part`, then renames it: a reader never sees half a file under the final name. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const part = `${path}.part`;
  try {
    await writeFile(part, bytes);
    await rename(part, path);
  } catch (err) {
    await unlink(part).catch(() => undefined);
    throw err;
  }
}
