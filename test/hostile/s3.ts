// S3-shaped answers for the hostile server (test/hostile/server.ts): a ListObjectsV2 page and an <Error>
// built from exactly the strings a test gives, so a test can put a malformed number or key on the wire.
import type { ServerResponse } from 'node:http';

/** Fake keys: the hostile server must never be able to use them, and tests check where they went. */
export const FAKE_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDHOSTILETEST00000',
  AWS_SECRET_ACCESS_KEY: 'hostile-test-secret-key',
  AWS_SESSION_TOKEN: 'hostile-test-session-token',
  AWS_DEFAULT_REGION: 'us-east-1',
};

export interface ListedObject {
  key: string;
  /** Sent as written: the point is to send sizes that are not numbers. */
  size: string;
}

export function listingXml(page: { objects?: ListedObject[]; prefixes?: string[]; truncated?: boolean; token?: string; bucket?: string }): string {
  const contents = (page.objects ?? [])
    .map((o) => `<Contents><Key>${o.key}</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>"e"</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  const prefixes = (page.prefixes ?? []).map((p) => `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`).join('');
  const token = page.token === undefined ? '' : `<NextContinuationToken>${page.token}</NextContinuationToken>`;
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${page.bucket ?? 'bkt'}</Name><IsTruncated>${page.truncated ? 'true' : 'false'}</IsTruncated>${token}${contents}${prefixes}</ListBucketResult>`;
}

export function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>0</RequestId></Error>`;
}

export function sendXml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** A ListObjectsV2 request (path-style: `/bucket?list-type=2…`). */
export function isListing(path: string): boolean {
  return /^\/[^/?]+\/?\?(.*&)?list-type=2/.test(path);
}
