import type { Transport, TransportRequest, TransportResponse, RequestBody, HttpMethod } from '../http/transport.js';
import { describeS3Error, s3ErrorFields, S3AnswerError, S3EmbeddedError } from './errors.js';
import { MAX_XML_BODY, etagOf, parseByteCount, quoteServerValue } from './server-values.js';
import { quoted } from '../util/terminal-text.js';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, sha256Hex, signRequest, uriEncode, type Credentials } from './sigv4.js';
import { MalformedXmlError, child, childText, children, escapeXml, parseXml, type XmlElement } from './xml.js';

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
  /** The server says more pages follow. */
  truncated: boolean;
  nextToken?: string;
}

/** Empty pages that claim more are coming: S3 sends one now and then, a broken server sends them forever. */
const MAX_EMPTY_PAGES = 100;

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

  /**
   * Where a request goes: `target` is the path and query sent verbatim, with the key's `.` and `..`
   * segments kept (they name other objects than their resolved form, and aws-cli sends them as they are);
   * `url` gives the origin and, resolved, serves for log lines and redirects.
   */
  location(bucket?: string, key = '', query?: Query): { url: URL; target: string } {
    const e = this.o.endpoint;
    const encodedKey = uriEncode(key, true);
    let host = e.host;
    let path: string;
    if (bucket === undefined) path = `${this.basePath}/`;
    else if (this.o.pathStyle || !virtualHostable(bucket, e.protocol)) path = `${this.basePath}/${bucket}${key === '' ? '' : `/${encodedKey}`}`;
    else {
      host = `${bucket}.${e.host}`;
      path = `${this.basePath}/${encodedKey}`;
    }
    const q = Object.entries(query ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (v === '' ? uriEncode(k) : `${uriEncode(k)}=${uriEncode(String(v))}`))
      .join('&');
    const target = q ? `${path}?${q}` : path;
    return { url: new URL(`${e.protocol}//${host}${target}`), target };
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
    if (root?.name !== 'ListBucketResult') throw new S3AnswerError('the listing has no ListBucketResult');
    const decode = childText(root, 'EncodingType') === 'url' ? decodeUrlEncoding : (s: string) => s;
    const truncated = childText(root, 'IsTruncated') === 'true';
    return {
      objects: children(root, 'Contents').map((c) => {
        const key = decode(childText(c, 'Key') ?? '');
        if (key === '') throw new S3AnswerError('the listing has an object without a <Key>');
        const sizeText = childText(c, 'Size') ?? '';
        const size = parseByteCount(sizeText);
        if (size === undefined) {
          throw new S3AnswerError(`the listing gives ${quoteServerValue(key)} the <Size> ${quoteServerValue(sizeText)}, which is no byte count`);
        }
        return { key, size, lastModified: childText(c, 'LastModified') ?? '', etag: etagOf(childText(c, 'ETag')), storageClass: childText(c, 'StorageClass') };
      }),
      prefixes: children(root, 'CommonPrefixes').map((p) => decode(childText(p, 'Prefix') ?? '')),
      truncated,
      nextToken: truncated ? childText(root, 'NextContinuationToken') || undefined : undefined,
    };
  }

  /**
   * Every page of a listing. A listing that cannot end is stopped with an error rather than followed:
   * a repeated continuation token (botocore stops on that too), a page that says more follow but gives no
   * token, or a long run of empty pages that say more follow.
   */
  async *listAll(opts: { bucket: string; prefix?: string; delimiter?: string; pageSize?: number }): AsyncGenerator<ListPage> {
    const seen = new Set<string>();
    let token: string | undefined;
    let emptyRun = 0;
    for (;;) {
      const page = await this.listPage({ ...opts, maxKeys: opts.pageSize, token });
      yield page;
      if (!page.truncated) return;
      token = page.nextToken;
      if (token === undefined) throw new S3AnswerError('the listing says more pages follow but gives no continuation token; stopped');
      // Hashes, so a server sending long tokens cannot make the set grow by more than 64 bytes a page.
      const id = sha256Hex(token);
      if (seen.has(id)) throw new S3AnswerError('the listing repeated a continuation token, so it would never end; stopped');
      seen.add(id);
      emptyRun = page.objects.length + page.prefixes.length === 0 ? emptyRun + 1 : 0;
      if (emptyRun >= MAX_EMPTY_PAGES) throw new S3AnswerError(`${MAX_EMPTY_PAGES} empty listing pages in a row said more would follow; stopped`);
    }
  }

  async headObject(bucket: string, key: string): Promise<ObjectHead> {
    return this.o.transport.read(this.request({ method: 'HEAD', bucket, key }), async (res) => {
      await res.body.dump();
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice(11)] = Array.isArray(value) ? value.join(',') : value;
      }
      const length = header(res, 'content-length');
      const size = parseByteCount(length);
      if (size === undefined) throw new S3AnswerError(`HEAD s3://${bucket}/${key}: the Content-Length ${quoteServerValue(length ?? '')} is no byte count`);
      return {
        size,
        etag: etagOf(header(res, 'etag')),
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
    return this.o.transport.read(this.request({ method: 'GET', bucket, key, headers, okStatuses: opts.okStatuses ?? [200, 206] }), reader);
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
        return etagOf(header(res, 'etag'));
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
    return etagOf(childText(root, 'ETag'));
  }

  async createMultipartUpload(opts: { bucket: string; key: string; headers: Record<string, string> }): Promise<string> {
    const root = await this.xml({ method: 'POST', bucket: opts.bucket, key: opts.key, query: { uploads: '' }, headers: opts.headers, retry: 'idempotent' });
    const id = childText(root, 'UploadId');
    if (!id) throw new S3AnswerError(`s3://${opts.bucket}/${opts.key}: CreateMultipartUpload returned no UploadId`);
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
        const etag = etagOf(header(res, 'etag'));
        if (!etag) throw new S3AnswerError(`s3://${opts.bucket}/${opts.key}: part ${opts.partNumber} was stored without an ETag`);
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
    const etag = etagOf(childText(root, 'ETag'));
    if (!etag) throw new S3AnswerError(`s3://${opts.bucket}/${opts.key}: copied part ${opts.partNumber} has no ETag`);
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
    return etagOf(childText(root, 'ETag'));
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
    const { url, target } = this.location(call.bucket, call.key, call.query);
    return {
      method: call.method,
      url,
      target,
      headers,
      body,
      auth: false,
      retry: call.retry,
      okStatuses: call.okStatuses,
      signal: call.signal ?? this.o.signal,
      describeError: describeS3Error,
      signer: creds
        ? (req) => {
            // The keys (and the session token) go to the endpoint only, never where a redirect points.
            if (req.url.origin !== url.origin) {
              throw new S3AnswerError(
                `the server redirected to ${quoted(req.url.origin, 100)}; signed requests are sent to ${url.origin} only`,
                'the bucket may be in another region (--region) or on another server (--endpoint-url)',
              );
            }
            signRequest({ method: req.method, url: req.url, target: req.target, headers: req.headers, payloadHash, credentials: creds, region: this.o.region });
          }
        : undefined,
    };
  }

  /** A request answered by XML; an `<Error>` inside a 200 (CopyObject, Complete) is thrown as such. */
  private async xml(call: Call): Promise<XmlElement | undefined> {
    const text = await this.o.transport.read(this.request(call), (res) => readCapped(res, MAX_XML_BODY));
    let root: XmlElement | undefined;
    try {
      root = parseXml(text);
    } catch (err) {
      if (err instanceof MalformedXmlError) throw new S3AnswerError(`the server sent malformed XML (${err.message})`);
      throw err;
    }
    if (root?.name === 'Error') {
      const { code, detail } = s3ErrorFields(root);
      throw new S3EmbeddedError(code ?? 'InternalError', detail ?? 'the server answered 200 with an error');
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

/** The body as text, refused past `cap` bytes (by its Content-Length up front, else while it streams in). */
async function readCapped(res: TransportResponse, cap: number): Promise<string> {
  res.body.on('error', ignore);
  const tooBig = () => new S3AnswerError(`the server's answer is larger than ${cap / 1024 ** 2} MiB, more than any S3 answer needs`);
  const declared = parseByteCount(header(res, 'content-length'));
  if (declared !== undefined && declared > cap) throw tooBig();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) throw tooBig();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function ignore(): void {}

function header(res: TransportResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}


// encoding-type=url is application/x-www-form-urlencoded: spaces may arrive as "+".
function decodeUrlEncoding(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
