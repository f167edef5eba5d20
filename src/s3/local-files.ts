import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface LocalFile {
  path: string;
  /** Relative to the walked root, with `/` separators (it becomes part of the key). */
  rel: string;
  size: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/**
 * Regular files under `root`, in name order, following symlinks as aws-cli does by default. A directory
 * reached twice through links is walked once. Broken links, sockets and FIFOs are reported to `skip`.
 */
export async function* walkFiles(root: string, skip: (s: SkippedFile) => void, followSymlinks = true): AsyncGenerator<LocalFile> {
  const seen = new Set<string>();
  const rootStat = statSync(root);
  seen.add(`${rootStat.dev}:${rootStat.ino}`);
  yield* walk(root);

  async function* walk(dir: string): AsyncGenerator<LocalFile> {
    // Synchronous, one directory at a time: stat of a cached inode takes microseconds, and each async
    // call would be a thread-pool round trip that the upload workers wait on.
    const entries = readdirSync(dir, { withFileTypes: true }).map((d) => ({
      name: d.name,
      isLink: d.isSymbolicLink(),
      isDir: d.isDirectory(),
      isFile: d.isFile(),
    }));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const path = join(dir, e.name);
      let isDir = e.isDir;
      let isFile = e.isFile;
      let size = 0;
      if (e.isLink && !followSymlinks) continue;
      if (e.isLink || isFile || isDir) {
        try {
          const st = statSync(path);
          isDir = st.isDirectory();
          isFile = st.isFile();
          size = st.size;
          if (isDir) {
            const id = `${st.dev}:${st.ino}`;
            if (seen.has(id)) continue;
            seen.add(id);
          }
        } catch (err) {
          skip({ path, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'File does not exist.' : (err as Error).message });
          continue;
        }
      }
      if (isDir) yield* walk(path);
      else if (isFile) yield { path, rel: relative(root, path).split(sep).join('/'), size };
      else skip({ path, reason: 'File is character special device, block special device, FIFO, or socket.' });
    }
  }
}
