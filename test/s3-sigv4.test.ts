import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  EMPTY_SHA256,
  STREAMING_PAYLOAD,
  UNSIGNED_PAYLOAD,
  chunkFrame,
  chunkSignature,
  sha256Hex,
  signRequest,
  uriEncode,
} from '../src/s3/sigv4.js';

// The AWS documentation's example account and time (sig-v4-header-based-auth.html, sigv4-streaming.html).
const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date('2013-05-24T00:00:00Z');

function signatureOf(authorization: string | undefined): string {
  return /Signature=([0-9a-f]{64})$/.exec(authorization ?? '')?.[1] ?? '';
}

describe('SigV4: AWS documentation vectors', () => {
  test('GET object with a Range header', () => {
    const headers: Record<string, string> = { range: 'bytes=0-9' };
    signRequest({ method: 'GET', url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'), headers, payloadHash: EMPTY_SHA256, credentials: creds, region: 'us-east-1', now });
    assert.match(headers.authorization!, /SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,/);
    assert.equal(signatureOf(headers.authorization), 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  test('PUT object whose key needs encoding, with Date and a storage class', () => {
    const body = 'Welcome to Amazon S3.';
    const headers: Record<string, string> = { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' };
    signRequest({ method: 'PUT', url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'), headers, payloadHash: sha256Hex(body), credentials: creds, region: 'us-east-1', now });
    assert.equal(headers['x-amz-content-sha256'], '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    assert.equal(signatureOf(headers.authorization), '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  test('GET bucket with a query string (sorted, encoded)', () => {
    const headers: Record<string, string> = {};
    signRequest({ method: 'GET', url: new URL('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J'), headers, payloadHash: EMPTY_SHA256, credentials: creds, region: 'us-east-1', now });
    assert.equal(signatureOf(headers.authorization), '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  test('aws-chunked upload: seed signature, chunk chain and encoded length', () => {
    const headers: Record<string, string> = {
      'content-encoding': 'aws-chunked',
      'content-length': '66824',
      'x-amz-decoded-content-length': '66560',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    };
    const seed = signRequest({ method: 'PUT', url: new URL('https://s3.amazonaws.com/examplebucket/chunkObject.txt'), headers, payloadHash: STREAMING_PAYLOAD, credentials: creds, region: 'us-east-1', now });
    assert.equal(seed.signature, '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
    const data = Buffer.alloc(66560, 'a');
    const chunks = [data.subarray(0, 65536), data.subarray(65536), Buffer.alloc(0)];
    let previous = seed.signature;
    const frames: Buffer[] = [];
    const signatures: string[] = [];
    for (const chunk of chunks) {
      previous = chunkSignature(previous, chunk, seed);
      signatures.push(previous);
      frames.push(chunkFrame(chunk, previous));
    }
    assert.equal(signatures[0], 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648');
    assert.equal(Buffer.concat(frames).length, 66824);
  });
});

/** node:crypto in the shape @smithy/signature-v4 wants. */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === 'string' ? secret : ArrayBuffer.isView(secret) ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength) : Buffer.from(secret);
    this.h = key ? createHmac('sha256', key) : createHash('sha256');
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

describe('SigV4: differential against @smithy/signature-v4', () => {
  const alphabet = ['a', 'Z', '0', ' ', '+', '=', '&', '%', '/', '~', '-', '_', '.', '!', '*', "'", '(', ')', '$', ',', ';', ':', '@', 'é', '日本', '🧠', '?', '#'];
  const randomKey = (rnd: () => number) =>
    Array.from({ length: 1 + Math.floor(rnd() * 24) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('').replace(/^\/+/, '') || 'k';

  test('identical signatures over 200 random keys, queries and headers', async () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const smithy = new SignatureV4({ credentials: { ...creds, sessionToken: 'tok/en+=' }, region: 'eu-west-1', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
    const fixed = ['space key.nii.gz', 'a+b=c', 'ünïcødé/日本/🧠.bin', 'dir/with%percent'];
    for (let i = 0; i < 200; i++) {
      const key = i < fixed.length ? fixed[i]! : randomKey(rnd);
      const prefix = randomKey(rnd);
      const url = new URL(`https://bucket.s3.eu-west-1.amazonaws.com/${uriEncode(key, true)}?list-type=2&prefix=${uriEncode(prefix)}&uploads`);
      const extra = `${randomBytes(4).toString('hex')}  spaced   value `;
      const headers: Record<string, string> = { 'content-type': 'application/gzip', 'x-amz-meta-note': extra };
      signRequest({
        method: 'PUT',
        url,
        headers,
        payloadHash: i % 2 ? UNSIGNED_PAYLOAD : EMPTY_SHA256,
        credentials: { ...creds, sessionToken: 'tok/en+=' },
        region: 'eu-west-1',
        now,
      });
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = v;
      const signed = await smithy.sign(
        {
          method: 'PUT',
          protocol: 'https:',
          hostname: url.hostname,
          path: url.pathname,
          query,
          headers: {
            host: url.host,
            'content-type': 'application/gzip',
            'x-amz-meta-note': extra,
            'x-amz-content-sha256': i % 2 ? UNSIGNED_PAYLOAD : EMPTY_SHA256,
          },
        },
        { signingDate: now },
      );
      assert.match(signatureOf(headers.authorization), /^[0-9a-f]{64}$/);
      assert.equal(signatureOf(headers.authorization), signatureOf(signed.headers.authorization), `key ${JSON.stringify(key)} prefix ${JSON.stringify(prefix)}`);
    }
  });
});

describe('SigV4: keys with dot segments are signed as sent', () => {
  test('the canonical URI keeps `.` and `..` (as @smithy/signature-v4 does for S3), though WHATWG URL resolves them', async () => {
    const smithy = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
    for (const key of ['../victim/owned.txt', 'p/x/../a.txt', 'a/./b/.', 'a/../../../x']) {
      const target = `/bkt/${uriEncode(key, true)}`;
      const url = new URL(`http://127.0.0.1:9000${target}`);
      assert.notEqual(url.pathname, target, 'WHATWG URL rewrites it');
      const headers: Record<string, string> = {};
      signRequest({ method: 'GET', url, target, headers, payloadHash: EMPTY_SHA256, credentials: creds, region: 'us-east-1', now });
      const signed = await smithy.sign(
        { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 9000, path: target, query: {}, headers: { host: url.host, 'x-amz-content-sha256': EMPTY_SHA256 } },
        { signingDate: now },
      );
      assert.equal(signatureOf(headers.authorization), signatureOf(signed.headers.authorization), key);
    }
  });
});

describe('uriEncode', () => {
  test('RFC 3986: only unreserved characters stay, UTF-8 bytes are escaped', () => {
    assert.equal(uriEncode("a b+c=d&e/f~g_h-i.j!*'()"), 'a%20b%2Bc%3Dd%26e%2Ff~g_h-i.j%21%2A%27%28%29');
    assert.equal(uriEncode('dir/é', true), 'dir/%C3%A9');
  });
});
