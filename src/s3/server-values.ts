import { quoted } from '../util/terminal-text.js';

/**
 * Values an S3 server sends that the CLI computes with or prints: each is checked or tamed before use,
 * because the server may be broken or hostile (a size of "1e15" must not become a loop or an allocation,
 * a 10 MB message must not reach the terminal).
 */

/** Far above the largest object S3 or a compatible server stores, and exact as a JS number. */
export const MAX_OBJECT_SIZE = 2 ** 50;

/** A listing page or other XML answer larger than this is refused (a 1000-key page is ~300 KiB). */
export const MAX_XML_BODY = 10 * 1024 * 1024;

/** How much of a server's message or code is kept for an error line. */
export const MAX_MESSAGE = 300;

/** A byte count as the server wrote it: plain decimal digits up to MAX_OBJECT_SIZE, else undefined. */
export function parseByteCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t)) return undefined;
  const n = Number(t);
  return n <= MAX_OBJECT_SIZE ? n : undefined;
}

/**
 * An ETag without its quotes (s3rver sends them as &quot;…&quot;, which the XML reader has already decoded),
 * or undefined when it could not be sent back in an If-Match header: ETags are visible ASCII without `"`.
 */
export function etagOf(text: string | undefined): string | undefined {
  const etag = text?.replace(/^"|"$/g, '');
  return etag !== undefined && /^[\x21\x23-\x7e]{1,1024}$/.test(etag) ? etag : undefined;
}

/** A quoted sample of a value the server got wrong, for "… is not a byte count" messages. */
export function quoteServerValue(text: string): string {
  return `"${quoted(text, 40)}"`;
}
