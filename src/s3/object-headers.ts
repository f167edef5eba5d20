import { UsageError } from '../errors.js';

/** What an uploaded or copied object carries besides its bytes (aws-cli's flag names). */
export interface ObjectSettings {
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  acl?: string;
  storageClass?: string;
  /** User metadata, sent as `x-amz-meta-<key>`. */
  metadata?: Record<string, string>;
}

/** The request headers for these settings; a metadata key that is no header token is a UsageError. */
export function objectHeaders(o: ObjectSettings): Record<string, string> {
  const h: Record<string, string> = {};
  if (o.cacheControl) h['cache-control'] = o.cacheControl;
  if (o.contentDisposition) h['content-disposition'] = o.contentDisposition;
  if (o.contentEncoding) h['content-encoding'] = o.contentEncoding;
  if (o.contentLanguage) h['content-language'] = o.contentLanguage;
  if (o.acl) h['x-amz-acl'] = o.acl;
  if (o.storageClass) h['x-amz-storage-class'] = o.storageClass;
  for (const [name, value] of Object.entries(o.metadata ?? {})) {
    const key = name.toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) throw new UsageError(`invalid --metadata key "${key}": use letters, digits and - _ .`);
    h[`x-amz-meta-${key}`] = value.trim();
  }
  return h;
}
