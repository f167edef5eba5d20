import { stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { checkOutputFile, checkOutputFolder } from '../util/output-path.js';

/**
 * `s3 cp`'s local destination, checked before any request: a folder (recursive, a trailing slash, or
 * one that exists) must take new files; a file's folder is made by the download, so it must be creatable.
 */
export async function checkLocalDestination(path: string, typed: string, recursive: boolean): Promise<void> {
  const isFolder = await stat(path).then((s) => s.isDirectory(), () => false);
  if (recursive || isFolder || typed.endsWith('/') || typed.endsWith(sep)) await checkOutputFolder(path, 'destination');
  else await checkOutputFile(path, 'destination', { makeParents: true });
}
