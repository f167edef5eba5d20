import type { CollectionRef, ImageRef } from './refs.js';

/** What a web page of NeuroVault shows. */
export type PageTarget = { kind: 'collection'; ref: CollectionRef } | { kind: 'image'; ref: ImageRef };

/** The page a person opens in a browser (not the API URL): `/collections/<id|TOKEN>/`, `/images/<id>/`. */
export function pageUrl(baseUrl: string, target: PageTarget): string {
  if (target.kind === 'collection') {
    const ref = target.ref;
    return `${baseUrl}/collections/${ref.kind === 'id' ? ref.id : ref.token}/`;
  }
  const ref = target.ref;
  return ref.kind === 'id' ? `${baseUrl}/images/${ref.id}/` : `${baseUrl}/collections/${ref.token}/images/${ref.id}/`;
}
