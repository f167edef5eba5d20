import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni } from '../src/s3/ini.js';
import { resolveAwsSettings } from '../src/s3/credentials.js';
import { bucketNameProblem } from '../src/s3/bucket-name.js';
import { parseEndpoint, parseS3Uri, keyBasename } from '../src/s3/uri.js';
import { compileFilters, globToRegExp } from '../src/s3/filters.js';
import { guessContentType } from '../src/s3/mime.js';
import { parseXml, childText, children, MalformedXmlError } from '../src/s3/xml.js';
import { etagOf, parseByteCount } from '../src/s3/server-values.js';
import { quoted } from '../src/util/terminal-text.js';
import { describeS3Error, exitCodeForS3 } from '../src/s3/errors.js';
import { parseSize } from '../src/s3/size.js';
import { Semaphore, forEachBounded } from '../src/s3/pool.js';
import { checksummer } from '../src/s3/checksum.js';
import { UsageError, AuthError } from '../src/errors.js';

describe('ini files', () => {
  test('sections, comments, both separators, lower-cased keys and nested s3 settings', () => {
    const ini = parseIni(
      '# comment\n[default]\nAWS_Access_Key_ID = AK\naws_secret_access_key=SE=CRET\n; other\n[profile dev]\nregion: eu-west-1\ns3 =\n  multipart_chunksize = 16MB\n  max_concurrent_requests = 4\noutput = json\n',
    );
    assert.equal(ini.get('default')?.get('aws_access_key_id'), 'AK');
    assert.equal(ini.get('default')?.get('aws_secret_access_key'), 'SE=CRET');
    assert.equal(ini.get('profile dev')?.get('region'), 'eu-west-1');
    assert.equal(ini.get('profile dev')?.get('s3.multipart_chunksize'), '16MB');
    assert.equal(ini.get('profile dev')?.get('s3.max_concurrent_requests'), '4');
    assert.equal(ini.get('profile dev')?.get('output'), 'json');
  });
});

describe('credentials and region: aws-cli precedence', () => {
  let dir: string;
  let credFile: string;
  let configFile: string;
  const base = () => ({ AWS_SHARED_CREDENTIALS_FILE: credFile, AWS_CONFIG_FILE: configFile, HOME: dir });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nv-aws-'));
    credFile = join(dir, 'credentials');
    configFile = join(dir, 'config');
    await writeFile(credFile, '[default]\naws_access_key_id = CRED_DEFAULT\naws_secret_access_key = s1\n\n[both]\naws_access_key_id = FROM_CREDS\naws_secret_access_key = s2\naws_session_token = tok\n');
    await writeFile(
      configFile,
      '[default]\nregion = eu-central-1\n\n[profile both]\naws_access_key_id = FROM_CONFIG\naws_secret_access_key = s3\nregion = ap-south-1\n\n[profile onlyconfig]\naws_access_key_id = CONFIG_ONLY\naws_secret_access_key = s4\n\n[profile sso]\nsso_start_url = https://x\n\n[profile noregion]\naws_access_key_id = NR\naws_secret_access_key = s5\n',
    );
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const resolveWith = (env: Record<string, string>, opts: { profile?: string; region?: string; signRequest?: boolean } = {}) =>
    resolveAwsSettings({ ...base(), ...env }, { signRequest: true, ...opts });

  test('--profile beats the env keys', async () => {
    const s = await resolveWith({ AWS_ACCESS_KEY_ID: 'ENV', AWS_SECRET_ACCESS_KEY: 'x' }, { profile: 'both' });
    assert.equal(s.credentials?.accessKeyId, 'FROM_CREDS');
    assert.equal(s.source.kind, 'profile');
  });
  test('env keys (and session token) beat AWS_PROFILE and default', async () => {
    const s = await resolveWith({ AWS_ACCESS_KEY_ID: 'ENV', AWS_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 'st', AWS_PROFILE: 'both' });
    assert.deepEqual(s.credentials, { accessKeyId: 'ENV', secretAccessKey: 'x', sessionToken: 'st' });
    // …but the region still comes from AWS_PROFILE's profile
    assert.equal(s.region, 'ap-south-1');
  });
  test('AWS_PROFILE beats default; the credentials file beats the config file', async () => {
    const s = await resolveWith({ AWS_PROFILE: 'both' });
    assert.equal(s.credentials?.accessKeyId, 'FROM_CREDS');
    assert.equal(s.credentials?.sessionToken, 'tok');
  });
  test('default profile when nothing else is set; keys only in the config file work', async () => {
    assert.equal((await resolveWith({})).credentials?.accessKeyId, 'CRED_DEFAULT');
    assert.equal((await resolveWith({}, { profile: 'onlyconfig' })).credentials?.accessKeyId, 'CONFIG_ONLY');
  });
  test('region: --region > AWS_REGION > AWS_DEFAULT_REGION > profile > us-east-1', async () => {
    assert.equal((await resolveWith({ AWS_REGION: 'r1', AWS_DEFAULT_REGION: 'r2' }, { region: 'r0' })).region, 'r0');
    assert.equal((await resolveWith({ AWS_REGION: 'r1', AWS_DEFAULT_REGION: 'r2' })).region, 'r1');
    assert.equal((await resolveWith({ AWS_DEFAULT_REGION: 'r2' })).region, 'r2');
    assert.equal((await resolveWith({})).region, 'eu-central-1');
    assert.equal((await resolveWith({}, { profile: 'noregion' })).region, 'us-east-1');
  });
  test('an unknown profile is a usage error in aws-cli words', async () => {
    await assert.rejects(resolveWith({}, { profile: 'nosuch' }), (e: unknown) => e instanceof UsageError && /The config profile \(nosuch\) could not be found/.test(e.message));
    await assert.rejects(resolveWith({ AWS_PROFILE: 'nosuch' }), UsageError);
  });
  test('no credentials anywhere → AuthError (exit 3) with a hint; --no-sign-request needs none', async () => {
    const none = { AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: join(dir, 'missing') };
    await assert.rejects(resolveAwsSettings(none, { signRequest: true }), (e: unknown) => e instanceof AuthError && e.exitCode === 3 && /Unable to locate credentials/.test(e.message) && /AWS_ACCESS_KEY_ID/.test(e.hint ?? ''));
    const anon = await resolveAwsSettings(none, { signRequest: false });
    assert.equal(anon.credentials, undefined);
  });
  test('half-set env keys and unsupported profile kinds are explained', async () => {
    await assert.rejects(resolveWith({ AWS_ACCESS_KEY_ID: 'ENV' }), /AWS_SECRET_ACCESS_KEY is not/);
    await assert.rejects(resolveWith({}, { profile: 'sso' }), /sso_start_url/);
  });
  test('endpoint: flag > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL', async () => {
    assert.equal((await resolveWith({ AWS_ENDPOINT_URL_S3: 'http://s3', AWS_ENDPOINT_URL: 'http://all' })).endpointUrl, 'http://s3');
    assert.equal((await resolveWith({ AWS_ENDPOINT_URL: 'http://all' })).endpointUrl, 'http://all');
    assert.equal((await resolveAwsSettings({ ...base(), AWS_ENDPOINT_URL: 'http://all' }, { signRequest: true, endpointUrl: 'http://flag' })).endpointUrl, 'http://flag');
  });
});

describe('bucket names and URIs', () => {
  test('valid and invalid bucket names', () => {
    for (const ok of ['abc', 'my-bucket.data', 'a'.repeat(63), '123bucket']) assert.equal(bucketNameProblem(ok), undefined, ok);
    for (const bad of ['b1', 'a'.repeat(64), 'Upper', 'under_score', '-start', 'end-', 'two..dots', '192.168.1.1', 'sp ace']) {
      assert.ok(bucketNameProblem(bad), bad);
    }
  });
  test('s3:// parsing', () => {
    assert.deepEqual(parseS3Uri('s3://bkt'), { bucket: 'bkt', key: '' });
    assert.deepEqual(parseS3Uri('s3://bkt/dir/'), { bucket: 'bkt', key: 'dir/' });
    assert.deepEqual(parseS3Uri('s3://bkt/a b/c+d'), { bucket: 'bkt', key: 'a b/c+d' });
    assert.throws(() => parseS3Uri('s3://B1/x'), (e: unknown) => e instanceof UsageError && e.exitCode === 2);
    assert.deepEqual(parseEndpoint('-'), { kind: 'stream' });
    assert.deepEqual(parseEndpoint('./x'), { kind: 'local', path: './x' });
    assert.equal(keyBasename('a/b/c.nii.gz'), 'c.nii.gz');
  });
});

describe('--include/--exclude', () => {
  const files = ['a.txt', 'b.nii.gz', 'sub/c.txt', 'sub/d.bin'];
  const pick = (...f: [('include' | 'exclude'), string][]) => {
    const keep = compileFilters(f.map(([type, pattern]) => ({ type, pattern })));
    return files.filter(keep);
  };
  test('everything by default; later filters win', () => {
    assert.deepEqual(pick(), files);
    assert.deepEqual(pick(['exclude', '*'], ['include', '*.txt']), ['a.txt', 'sub/c.txt']);
    assert.deepEqual(pick(['include', '*.txt'], ['exclude', '*']), []);
    assert.deepEqual(pick(['exclude', 'sub/*']), ['a.txt', 'b.nii.gz']);
    assert.deepEqual(pick(['exclude', '*.bin'], ['exclude', 'a*']), ['b.nii.gz', 'sub/c.txt']);
  });
  test('fnmatch globs: * crosses /, ?, [seq], [!seq]', () => {
    assert.ok(globToRegExp('*.txt').test('sub/c.txt'));
    assert.ok(globToRegExp('?.txt').test('a.txt'));
    assert.ok(!globToRegExp('?.txt').test('ab.txt'));
    assert.ok(globToRegExp('[ab].*').test('b.nii.gz'));
    assert.ok(!globToRegExp('[!ab].*').test('b.nii.gz'));
    assert.ok(globToRegExp('x[]]y').test('x]y'));
    assert.ok(globToRegExp('a+b(1).txt').test('a+b(1).txt'));
  });
});

describe('small pieces', () => {
  test('content types', () => {
    assert.equal(guessContentType('sub-01_T1w.nii.gz'), 'application/gzip');
    assert.equal(guessContentType('x.JSON'), 'application/json');
    assert.equal(guessContentType('a.b/c.html'), 'text/html');
    assert.equal(guessContentType('noext'), undefined);
  });
  test('sizes use binary units like aws-cli', () => {
    assert.equal(parseSize('8MB', 'x'), 8 * 1024 * 1024);
    assert.equal(parseSize('5MiB', 'x'), 5 * 1024 * 1024);
    assert.equal(parseSize('1048576', 'x'), 1048576);
    assert.throws(() => parseSize('8 parsecs', 'x'), UsageError);
  });
  test('S3 XML: listing with entities and url encoding, errors', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><EncodingType>url</EncodingType>
<Contents><Key>a%2Bb+c</Key><ETag>&quot;abc&quot;</ETag></Contents>
<Contents><Key> spaced &amp; &#x41; </Key><Size>5</Size></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>`;
    const root = parseXml(xml);
    assert.equal(root?.name, 'ListBucketResult');
    const keys = children(root, 'Contents').map((c) => childText(c, 'Key'));
    assert.deepEqual(keys, ['a%2Bb+c', ' spaced & A ']);
    assert.deepEqual(describeS3Error('<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>', 'application/xml'), {
      code: 'NoSuchBucket',
      detail: 'The specified bucket does not exist',
    });
    assert.equal(exitCodeForS3('SignatureDoesNotMatch', 403), 3);
    assert.equal(exitCodeForS3('NoSuchKey', 404), 4);
    assert.equal(exitCodeForS3('BucketAlreadyExists', 409), 1);
  });
  test('S3 XML: malformed input is refused (in one pass), never half-read', () => {
    for (const bad of ['<a><b>x</a>', '<a>x', '<a>x</a' + '<'.repeat(100_000), '<!-- never closed', '<![CDATA[ never closed', '</a>', '<>']) {
      assert.throws(() => parseXml(bad), MalformedXmlError, JSON.stringify(bad.slice(0, 30)));
    }
    assert.equal(childText(parseXml('<a><![CDATA[<b>]]></a>'), 'b'), undefined);
    assert.equal(parseXml('<a><![CDATA[<b>]]><c/></a>')?.text, '<b>');
    assert.throws(() => parseXml(`<a>${'<b/>'.repeat(200_001)}</a>`), /more than 200000 elements/);
  });
  test('numbers and text from the server', () => {
    assert.equal(parseByteCount('0'), 0);
    assert.equal(parseByteCount(' 123 '), 123);
    for (const bad of ['', 'notanumber', '1e15', 'Infinity', '-5', '1.5', '0x10', '99999999999999999999', String(2 ** 50 + 1)]) {
      assert.equal(parseByteCount(bad), undefined, bad);
    }
    assert.equal(quoted('a\r\n  b\u001b[31m', 300), 'a b\\x1b[31m');
    assert.equal(quoted('x'.repeat(1000), 10), `${'x'.repeat(9)}…`);
    assert.equal(etagOf('"d41d8cd98f00b204e9800998ecf8427e-2"'), 'd41d8cd98f00b204e9800998ecf8427e-2');
    assert.equal(etagOf('"a\r\nx-injected: 1"'), undefined, 'no header injection through If-Match');
    assert.equal(describeS3Error(`<Error><Code>AccessDenied</Code><Message>${'m'.repeat(70_000)}`, '')?.code, 'AccessDenied');
    assert.equal(describeS3Error('<Error><Code>Bad Code\u001b</Code><Message>m</Message></Error>', '')?.code, undefined);
  });
  test('CRC32 header is base64 of the big-endian value', () => {
    const c = checksummer('crc32');
    c.update(Buffer.from('hello'));
    // zlib.crc32('hello') = 0x3610a686
    assert.deepEqual(c.headers(), { 'x-amz-checksum-crc32': Buffer.from([0x36, 0x10, 0xa6, 0x86]).toString('base64') });
  });
  test('forEachBounded: bounded, lazy, stops at the first failure', async () => {
    const slots = new Semaphore(3);
    let running = 0;
    let peak = 0;
    let pulled = 0;
    function* items() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield i;
      }
    }
    await forEachBounded(items(), slots, async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
    });
    assert.equal(peak, 3);
    assert.equal(pulled, 20);
    pulled = 0;
    await assert.rejects(
      forEachBounded(items(), slots, async (i) => {
        if (i === 4) throw new Error('boom');
        await new Promise((r) => setTimeout(r, 5));
      }),
      /boom/,
    );
    assert.ok(pulled < 20, `stopped early (pulled ${pulled})`);
  });
});
