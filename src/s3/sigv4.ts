import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for S3 on node:crypto: synchronous, no dependencies, nothing to load at
 * start-up. Checked against the AWS documentation vectors and, differentially, @smithy/signature-v4.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Object bodies are not hashed: integrity comes from a signed checksum header instead (see client.ts). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_PAYLOAD = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// Proxies and the HTTP stack may rewrite these, so signing them would break signatures (the SDKs' list).
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

export interface SignInput {
  method: string;
  url: URL;
  /** Path and query as sent, when they are not the URL's (keys with `.`/`..` segments, see client.ts). */
  target?: string;
  /** Mutated: gains x-amz-date, x-amz-content-sha256, x-amz-security-token and authorization. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, UNSIGNED_PAYLOAD or STREAMING_PAYLOAD. */
  payloadHash: string;
  credentials: Credentials;
  region: string;
  service?: string;
  now?: Date;
}

export interface SignResult {
  signature: string;
  amzDate: string;
  scope: string;
  signingKey: Buffer;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 percent-encoding of everything but unreserved characters (and `/` when asked). */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      (byte >= 0x30 && byte <= 0x39) ||
      c === '-' ||
      c === '_' ||
      c === '.' ||
      c === '~' ||
      (keepSlash && c === '/')
    ) {
      out += c;
    } else {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

export function signRequest(input: SignInput): SignResult {
  const service = input.service ?? 's3';
  const amzDate = toAmzDate(input.now ?? new Date());
  const day = amzDate.slice(0, 8);
  const h = input.headers;
  h['x-amz-date'] = amzDate;
  h['x-amz-content-sha256'] = input.payloadHash;
  if (input.credentials.sessionToken) h['x-amz-security-token'] = input.credentials.sessionToken;

  const canonical: [string, string][] = [['host', input.url.host]];
  for (const [name, value] of Object.entries(h)) {
    const lower = name.toLowerCase();
    if (lower === 'host' || UNSIGNABLE.has(lower)) continue;
    canonical.push([lower, value.trim().replace(/\s+/g, ' ')]);
  }
  canonical.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const signedHeaders = canonical.map(([n]) => n).join(';');
  const target = input.target ?? `${input.url.pathname}${input.url.search}`;
  const q = target.indexOf('?');
  const canonicalRequest = [
    input.method,
    canonicalPath(q < 0 ? target : target.slice(0, q)),
    canonicalQuery(q < 0 ? '' : target.slice(q)),
    canonical.map(([n, v]) => `${n}:${v}\n`).join(''),
    signedHeaders,
    input.payloadHash,
  ].join('\n');

  const scope = `${day}/${input.region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = deriveSigningKey(input.credentials.secretAccessKey, day, input.region, service);
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  h.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { signature, amzDate, scope, signingKey };
}

/**
 * Signature of one aws-chunked chunk (each chains on the previous one, the first on the seed
 * signature of the request signed with STREAMING_PAYLOAD). The final chunk is empty.
 */
export function chunkSignature(previous: string, chunk: Uint8Array, seed: Pick<SignResult, 'amzDate' | 'scope' | 'signingKey'>): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', seed.amzDate, seed.scope, previous, EMPTY_SHA256, sha256Hex(chunk)].join('\n');
  return createHmac('sha256', seed.signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** One aws-chunked frame: `hex-size;chunk-signature=sig\r\n<data>\r\n`. */
export function chunkFrame(chunk: Uint8Array, signature: string): Buffer {
  return Buffer.concat([Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), chunk, Buffer.from('\r\n')]);
}

function toAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// S3 signs the path encoded exactly once and not normalised (unlike other services): `..` stays `..`, as
// botocore signs and sends it. So decode what the path holds and re-encode, segment by segment.
function canonicalPath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => uriEncode(safeDecode(segment)))
    .join('/');
}

function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  const pairs = search
    .slice(1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(safeDecode(k)), uriEncode(safeDecode(v))] as const;
    });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// The key depends only on the day, so one process signs thousands of requests with four HMACs in total.
let cachedKey: { id: string; key: Buffer } | undefined;

function deriveSigningKey(secret: string, day: string, region: string, service: string): Buffer {
  const id = `${day}\n${region}\n${service}\n${secret}`;
  if (cachedKey?.id === id) return cachedKey.key;
  const kDate = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  const key = createHmac('sha256', kService).update('aws4_request').digest();
  cachedKey = { id, key };
  return key;
}
