import { openAsBlob } from 'node:fs';
import type { FormData as FormDataType } from 'undici';
// The same undici copy as the transport's, without loading the package index (see src/http/transport.ts).
import formdata from 'undici/lib/web/fetch/formdata.js';

const { FormData } = formdata;
type FormData = FormDataType;

/** One statistic-map upload as the server's form expects it (API.md §7.2). */
export interface ImageForm {
  /** Text fields in order: name, map_type, modality, optional fields, then user metadata. */
  fields: readonly (readonly [string, string])[];
  /** Local path of the gzip bytes to send. */
  path: string;
  /** File name the server stores (and derives the image file URL from). */
  filename: string;
}

/**
 * A multipart body that streams the file from disk: `openAsBlob` is a lazy file-backed Blob, and
 * undici's own FormData (not Node's global one, which is a different undici copy) sends it in
 * 64 KiB reads with a computed Content-Length. Build a new one per attempt; a Blob stream is not
 * replayable.
 */
export async function buildImageForm(form: ImageForm): Promise<FormData> {
  const body = new FormData();
  for (const [key, value] of form.fields) body.append(key, value);
  const file = await openAsBlob(form.path, { type: 'application/gzip' });
  body.append('file', file, form.filename);
  return body;
}
