import { NotFoundError } from '../errors.js';
import { HttpError } from '../http/errors.js';
import { collectionRefPath, imageRefPath, type CollectionRef, type ImageRef } from './refs.js';

/**
 * A 404 (or 410) on something the user named is said as the thing, `collection 99999999 not found`, not
 * as the request that failed; the request stays as the cause, which --verbose shows.
 */
export function refNotFound(err: unknown, what: string): unknown {
  if (err instanceof HttpError && (err.status === 404 || err.status === 410)) return new NotFoundError(`${what} not found`, { cause: err });
  return err;
}

export const collectionName = (ref: CollectionRef) => `collection ${collectionRefPath(ref)}`;
export const imageName = (ref: ImageRef) => `image ${imageRefPath(ref)}`;

/** The items of a named list (a collection's images): a 404 before the first item is the collection's. */
export async function* namedList<T>(items: AsyncGenerator<T>, what: string): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (err) {
    throw refNotFound(err, what);
  }
}
