import type { Transport, TransportRequest, TransportResponse, RequestBody, HttpMethod } from '../http/transport.js';
import { ResponseShapeError } from '../http/errors.js';
import { describeS3Error, S3EmbeddedError } from './errors.js';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, sha256Hex, signRequest, uriEncode, type Credentials } from './sigv4.js';
import { child, childText, children, escapeXml, parseXml, type XmlElement } from './xml.js';

export interface S3ClientOptions {
  transport: Transport;
  /** Service root, e.g. http://127.0.0.1:4569 or https://s3.eu-west-1.amazonaws.com. */
  endpoint: URL;
  /** `/bucket/key` URLs; always with a custom endpoint (s3rver, MinIO), as aws-cli does. */
  pathStyle: boolean;
  region: string;
  /** Undefined sends requests unsigned (--no-sign-request). */
  credentials?: Credentials;
  signal?: AbortSignal;
}

export interface BucketSummary {
  name: string;
  creationDate: string;
}

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified: string;
  etag?: string;
  storageClass?: string;
}

export interface ListPage {
  objects: ObjectSummary[];
  prefixes: string[];
  nextToken?: string;
}

export interface ObjectHead {
  size: number;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /** User metadata (`x-amz-meta-*`), names without the prefix. */
  metadata: Record<string, string>;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  crc32?: string;
}

type Query = Record<string, string | number | undefined>;

interface Call {
  method: HttpMethod;
  bucket?: string;
  key?: string;
  query?: Query;
  headers?: Record<string, string>;
  body?: TransportRequest['body'];
  /** Hex SHA-256 of the body, or UNSIGNED-PAYLOAD for object data. */
  payloadHash?: string;
  okStatuses?: readonly number[];
  retry?: TransportRequest['retry'];
  /** Overrides the run's signal (an Abort must still go out after Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * The S3 operations the CLI needs, on the project's Transport (keep-alive agent, retries that re-sign
 * and re-open bodies, typed errors). Returns data; never prints.
 */
export class S3Client {
  private readonly basePath: string;

  constructor(private readonly o: S3ClientOptions) {
    this.basePath = o.endpoint.pathname.replace(/\/+$/, '');
  }

  url(bucket?: string, key = '', query?: Query): URL {
    const e = this.o.endpoint;
    const encodedKey = uriEncode(key, true);
    let href: string;
    if (bucket === undefined) href = `${e.protocol}//${e.host}${this.basePath}/`;
    else if (this.o.pathStyle || !virtualHostable(bucket, e.protocol)) {
      href = `${e.protocol}//${e.host}${this.basePath}/${bucket}${key === '' ? '' : `/${encodedKey}`}`;
    } else href = `${e.protocol}//${bucket}.${e.host}${this.basePath}/${encodedKey}`;
    const q = Object.entries(query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (v === '' ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(String(v))}`))
      .join('&');
    return new URL(q ? `${href}?${q}` : href);
  }

  async listBuckets(): Promise<BucketSummary[]> {
    const root = await this.xml({ method: 'GET' });
    return children(child(root, 'Buckets'), 'Bucket').map((b) => ({
      name: childText(b, 'Name') ?? '',
      creationDate: childText(b, 'CreationDate') ?? '',
    }));
  }

  async createBucket(bucket: string): Promise<void> {
    // us-east-1 is the one region that refuses an explicit LocationConstraint.
    const body =
      this.o.region === 'us-east-1'
        ? undefined
        : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${escapeXml(this.o.region)}</LocationConstraint></CreateBucketConfiguration>`;
    await this.discard({ method: 'PUT', bucket, body, headers: body ? { 'content-type': 'application/xml' } : {} });
  }

  /** One ListObjectsV2 page. Keys are decoded only when the answer says it encoded them (s3rver does not). */
  async listPage(opts: { bucket: string; prefix?: string; delimiter?: string; maxKeys?: number; token?: string }): Promise<ListPage> {
    const root = await this.xml({
      method: 'GET',
      bucket: opts.bucket,
      query: {
        'list-type': 2,
        prefix: opts.prefix || undefined,
        delimiter: opts.delimiter,
        'max-keys': opts.maxKeys,
        'continuation-token': opts.token,
        'encoding-type': 'url',
      },
    });
    if (root?.name !== 'ListBucketResult') throw new ResponseShapeError(`s3://${opts.bucket}`, 'no ListBucketResult in the listing');
    const decode = childText(root, 'EncodingType') === 'url' ? decodeUrlEncoding : (s: string) => s;
    const truncated = childText(root, 'IsTruncated') === 'true';
    return {
      objects: children(root, 'Contents').map((c) => ({
        key: decode(childText(c, 'Key') ?? ''),
        size: Number(childText(c, 'Size') ?? 0),
        lastModified: childText(c, 'LastModified') ?? '',
        etag: unquote(childText(c, 'ETag')),
        storageClass: childText(c, 'StorageClass'),
      })),
      prefixes: children(root, 'CommonPrefixes').map((p) => decode(childText(p, 'Prefix') ?? '')),
      nextToken: truncated ? childText(root, 'NextContinuationToken') : undefined,
    };
  }

  async *listAll(opts: { bucket: string; prefix?: string; delimiter?: string; pageSize?: number }): AsyncGenerator<ListPage> {
    let token: string | undefined;
    do {
      const page = await this.listPage({ ...opts, maxKeys: opts.pageSize, token });
      yield page;
      token = page.nextToken;
    } while (token);
  }

  async headObject(bucket: string, key: string): Promise<ObjectHead> {
    return this.o.transport.read(this.request({ method: 'HEAD', bucket, key }), async (res) => {
      await res.body.dump();
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice(11)] = Array.isArray(value) ? value.join(',') : value;
      }
      return {
        size: Number(header(res, 'content-length') ?? 0),
        etag: unquote(header(res, 'etag')),
        lastModified: header(res, 'last-modified'),
        contentType: header(res, 'content-type'),
        metadata,
      };
    });
  }

  /**
   * GET with the body read by `reader` inside the retry loop: a connection dropped mid-body repeats
   * the request and the reader starts over (ranged writes at fixed offsets make that safe).
   */
  async readObject<T>(
    bucket: string,
    key: string,
    opts: { range?: string; ifMatch?: string; okStatuses?: readonly number[] },
    reader: (res: TransportResponse) => Promise<T>,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (opts.range) headers.range = opts.range;
    if (opts.ifMatch) headers['if-match'] = `"${opts.ifMatch}"`;
    return this.o.transport.read(
      this.request({ method: 'GET', bucket, key, headers, okStatuses: opts.okStatuses ?? [200, 206] }),
      reader,
    );
  }

  /** GET whose body the caller streams (stdout); no retry once the body has started. */
  async getObjectStream(bucket: string, key: string): Promise<TransportResponse> {
    return this.o.transport.send(this.request({ method: 'GET', bucket, key }));
  }

  async putObject(opts: { bucket: string; key: string; body: () => RequestBody | Promise<RequestBody>; length: number; headers: Record<string, string> }): Promise<string | undefined> {
    return this.o.transport.read(
      this.request({
        method: 'PUT',
        bucket: opts.bucket,
        key: opts.key,
        body: opts.body,
        headers: { ...opts.headers, 'content-length': String(opts.length) },
        payloadHash: UNSIGNED_PAYLOAD,
      }),
      async (res) => {
        await res.body.dump();
        return unquote(header(res, 'etag'));
      },
    );
  }

  /** Server-side copy (up to 5 GiB); the answer may be a 200 that carries an error. */
  async copyObject(opts: { from: { bucket: string; key: string }; bucket: string; key: string; headers: Record<string, string> }): Promise<string | undefined> {
    const root = await this.xml({
      method: 'PUT',
      bucket: opts.bucket,
      key: opts.key,
      headers: { ...opts.headers, 'x-amz-copy-source': copySource(opts.from) },
    });
    return unquote(childText(root, 'ETag'));
  }

  async createMultipartUpload(opts: { bucket: string; key: string; headers: Record<string, string> }): Promise<string> {
    const root = await this.xml({ method: 'POST', bucket: opts.bucket, key: opts.key, query: { uploads: '' }, headers: opts.headers, retry: 'idempotent' });
    const id = childText(root, 'UploadId');
    if (!id) throw new ResponseShapeError(`s3://${opts.bucket}/${opts.key}`, 'CreateMultipartUpload returned no UploadId');
    return id;
  }

  async uploadPart(opts: {
    bucket: string;
    key: string;
    uploadId: string;
    partNumber: number;
    body: () => RequestBody | Promise<RequestBody>;
    length: number;
    headers: Record<string, string>;
  }): Promise<string> {
    return this.o.transport.read(
      this.request({
        method: 'PUT',
        bucket: opts.bucket,
        key: opts.key,
        query: { partNumber: opts.partNumber, uploadId: opts.uploadId },
        body: opts.body,
        headers: { ...opts.headers, 'content-length': String(opts.length) },
        payloadHash: UNSIGNED_PAYLOAD,
      }),
      async (res) => {
        await res.body.dump();
        const etag = unquote(header(res, 'etag'));
        if (!etag) throw new ResponseShapeError(`s3://${opts.bucket}/${opts.key}`, `part ${opts.partNumber} was stored without an ETag`);
        return etag;
      },
    );
  }

  async uploadPartCopy(opts: {
    from: { bucket: string; key: string };
    bucket: string;
    key: string;
    uploadId: string;
    partNumber: number;
    range: string;
  }): Promise<string> {
    const root = await this.xml({
      method: 'PUT',
      bucket: opts.bucket,
      key: opts.key,
      query: { partNumber: opts.partNumber, uploadId: opts.uploadId },
      headers: { 'x-amz-copy-source': copySource(opts.from), 'x-amz-copy-source-range': opts.range },
    });
    const etag = unquote(childText(root, 'ETag'));
    if (!etag) throw new ResponseShapeError(`s3://${opts.bucket}/${opts.key}`, `copied part ${opts.partNumber} has no ETag`);
    return etag;
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<string | undefined> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${sorted
      .map(
        (p) =>
          `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${escapeXml(p.etag)}"</ETag>${p.crc32 ? `<ChecksumCRC32>${p.crc32}</ChecksumCRC32>` : ''}</Part>`,
      )
      .join('')}</CompleteMultipartUpload>`;
    // Completing twice is harmless on S3, so a POST lost in transit may be repeated.
    const root = await this.xml({
      method: 'POST',
      bucket,
      key,
      query: { uploadId },
      body,
      headers: { 'content-type': 'application/xml' },
      retry: 'idempotent',
    });
    return unquote(childText(root, 'ETag'));
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.discard({ method: 'DELETE', bucket, key });
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.discard({ method: 'DELETE', bucket, key, query: { uploadId }, retry: 'never', signal: AbortSignal.timeout(10_000) });
  }

  private request(call: Call): TransportRequest {
    const creds = this.o.credentials;
    const body = call.body;
    const payloadHash =
      call.payloadHash ?? (body === undefined ? EMPTY_SHA256 : typeof body === 'string' || body instanceof Uint8Array ? sha256Hex(body) : UNSIGNED_PAYLOAD);
    const headers: Record<string, string> = { accept: '*/*', ...call.headers };
    if (typeof body === 'string' && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return {
      method: call.method,
      url: this.url(call.bucket, call.key, call.query),
      headers,
      body,
      auth: false,
      retry: call.retry,
      okStatuses: call.okStatuses,
      signal: call.signal ?? this.o.signal,
      describeError: describeS3Error,
      signer: creds
        ? (req) => {
            signRequest({ method: req.method, url: req.url, headers: req.headers, payloadHash, credentials: creds, region: this.o.region });
          }
        : undefined,
    };
  }

  /** A request answered by XML; an `<Error>` inside a 200 (CopyObject, Complete) is thrown as such. */
  private async xml(call: Call): Promise<XmlElement | undefined> {
    const text = await this.o.transport.read(this.request(call), (res) => res.body.text());
    const root = parseXml(text);
    if (root?.name === 'Error') {
      throw new S3EmbeddedError(childText(root, 'Code') ?? 'InternalError', childText(root, 'Message') ?? 'the server answered 200 with an error');
    }
    return root;
  }

  private async discard(call: Call): Promise<void> {
    await this.o.transport.read(this.request(call), (res) => res.body.dump());
  }
}

// Dots break the TLS wildcard certificate of virtual-hosted buckets, so such buckets go path-style.
function virtualHostable(bucket: string, protocol: string): boolean {
  return !(protocol === 'https:' && bucket.includes('.'));
}

function copySource(from: { bucket: string; key: string }): string {
  return `/${from.bucket}/${uriEncode(from.key, true)}`;
}

function header(res: TransportResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** S3 quotes ETags (s3rver sends them as &quot;…&quot;, which the XML reader has already decoded). */
function unquote(etag: string | undefined): string | undefined {
  return etag === undefined ? undefined : etag.replace(/^"|"$/g, '');
}

// encoding-type=url is application/x-www-form-urlencoded: spaces may arrive as "+".
function decodeUrlEncoding(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
