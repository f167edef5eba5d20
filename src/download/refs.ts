import { UsageError } from '../errors.js';
import { normalizeDoi, tryCollectionRef, tryImageRef, type CollectionRef, type ImageRef } from '../api/refs.js';

/** What one `download` argument names. */
export type DownloadRef =
  | { kind: 'collection'; ref: CollectionRef; input: string }
  | { kind: 'image'; ref: ImageRef; input: string }
  | { kind: 'doi'; doi: string; input: string };

const REF_HELP =
  'a collection id, collection:<id>, image:<id>, a DOI (10.x/…, doi:10.x/…, https://doi.org/10.x/…), ' +
  'a private token, or a neurovault collection/image URL';

/**
 * Reads one ref. A bare number is a collection (the common case: "download collection 1615"); an image
 * needs `image:`, `TOKEN-id` or an image URL. A URL's host is not checked: the files come from
 * --base-url whatever host was pasted, which is what a user of a mirror or the stand-in wants.
 */
export function parseDownloadRef(input: string): DownloadRef {
  const s = input.trim();
  const prefixed = /^(collection|image|doi):(.*)$/i.exec(s);
  if (prefixed) {
    const kind = prefixed[1]!.toLowerCase();
    const rest = prefixed[2]!.trim();
    if (kind === 'collection') {
      const ref = tryCollectionRef(rest);
      if (ref) return { kind: 'collection', ref, input };
    } else if (kind === 'image') {
      const ref = tryImageRef(rest);
      if (ref) return { kind: 'image', ref, input };
    } else {
      const doi = normalizeDoi(s);
      if (doi) return { kind: 'doi', doi, input };
    }
    throw new UsageError(`invalid ref "${input}": ${kind}: must be followed by a valid ${kind === 'doi' ? 'DOI' : `${kind} id`}`, {
      hint: `a ref is ${REF_HELP}`,
    });
  }
  const doi = normalizeDoi(s);
  if (doi) return { kind: 'doi', doi, input };
  if (/^[A-Z]{8}-\d+$/.test(s) || /\/images\/[^/]+\/?$/.test(s)) {
    const ref = tryImageRef(s);
    if (ref) return { kind: 'image', ref, input };
  }
  const col = tryCollectionRef(s);
  if (col) return { kind: 'collection', ref: col, input };
  throw new UsageError(`invalid ref "${input}"`, { hint: `a ref is ${REF_HELP}` });
}
