// Fidelity tests for the NeuroVault stand-in: the other test suites trust it to behave like the
// recorded server (test/fixtures/samples) and API.md, so its quirks are pinned here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Agent, FormData, request as undiciRequest } from 'undici';
import { startStandin, DEFAULT_USER, type Standin } from './standin/server.js';
import { SAMPLES_DIR } from './standin/templates.js';

const TOKEN = DEFAULT_USER.token;
const AUTH = { authorization: `Token ${TOKEN}` };
const REC = 'https://neurovault.org/';

// Every request goes through the undici package's own Agent. Without one, `request()` uses the process-wide
// dispatcher, shared by every undici copy in the process; on Node 24 an ESM import of node:http (the
// stand-in's) already made that Node's bundled undici, which cannot send this package's FormData
// ("action is not a function").
const agent = new Agent();
const request = (url: string, opts: Omit<Parameters<typeof undiciRequest>[1] & object, 'dispatcher'> = {}) =>
  undiciRequest(url, { ...opts, dispatcher: agent });
after(() => agent.close());

interface Res { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any }

async function call(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | FormData | Buffer } = {}): Promise<Res> {
  const r = await request(url, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers ?? {}, body: opts.body ?? null });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text, json: () => JSON.parse(text) };
}

const sample = (era: string, name: string) => readFileSync(path.join(SAMPLES_DIR, era, `${name}.json`), 'utf8');
const meta = (era: string, name: string) => JSON.parse(sample(era, `${name}.meta`)) as { response: { headers: Record<string, unknown> } };
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const keys = (o: object) => Object.keys(o);

function uploadForm(fields: Record<string, string>, file?: { bytes: Uint8Array; name: string }): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
  return fd;
}

describe('stand-in', () => {
  let nv: Standin;
  before(async () => { nv = await startStandin(); });
  after(async () => { await nv.close(); });
  const u = (p: string) => nv.url + p;

  describe('recorded samples are reproduced', () => {
    test('collection 1615 images, limit=100 offset=0: byte-identical modulo host', async () => {
      const r = await call(u('/api/collections/1615/images/?limit=100&offset=0'));
      assert.equal(r.status, 200);
      assert.equal(r.text, sample('pynv-2020', 'get_collection_images').split(REC).join(`${nv.url}/`));
    });

    test('collection 1615 images, limit=1 offset=2: identical incl. next/previous', async () => {
      const r = await call(u('/api/collections/1615/images/?limit=1&offset=2'));
      assert.equal(r.text, sample('pynv-2020', 'get_collection_images_limit').split(REC).join(`${nv.url}/`));
    });

    test('2016 recording lists the same image ids (2016 order was different)', async () => {
      const old = JSON.parse(sample('pynv-2016', 'get_collection_images')).results.map((x: any) => x.id).sort();
      const now = (await call(u('/api/collections/1615/images/'))).json().results.map((x: any) => x.id).sort();
      assert.deepEqual(now, old);
    });

    test('recorded file_size is the real size of the served file', async () => {
      const im = (await call(u('/api/collections/1615/images/'))).json().results[0];
      assert.equal(im.file_size, 856688);
      const f = await call(im.file);
      assert.equal(f.headers['content-length'], '856688');
    });

    test('collection 8477 equals read_collection.json', async () => {
      const r = await call(u('/api/collections/8477/'));
      assert.equal(r.text, sample('pynv-2020', 'read_collection').split(REC).join(`${nv.url}/`));
      const h = meta('pynv-2020', 'read_collection').response.headers;
      assert.equal(r.headers.allow, h.Allow);
      assert.equal(r.headers.vary, 'Accept');
      assert.equal(r.headers['content-type'], h['Content-Type']);
      assert.equal(r.headers['content-length'], undefined, 'JSON is chunked like nginx');
    });

    test('404 bodies match the recordings', async () => {
      for (const name of ['update_image', 'delete_image']) {
        const r = await call(u('/api/images/15826/'));
        assert.equal(r.status, 404);
        assert.equal(r.text, sample('pynv-2020', name));
      }
      assert.equal((await call(u('/api/collections/2281/'))).text, sample('pynv-2020', 'delete_collection'));
    });

    test('create_collection: same keys in the same order, nulls, Location = web page', async () => {
      const rec = JSON.parse(sample('pynv-2020', 'create_collection'));
      const r = await call(u('/api/collections/'), {
        method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'NV Test Collection2020' }),
      });
      assert.equal(r.status, 201);
      const got = r.json();
      assert.deepEqual(keys(got), keys(rec));
      for (const [k, v] of Object.entries(rec)) if (v === null && k !== 'DOI') assert.equal(got[k], null, k);
      assert.equal(got.owner, 1599);
      assert.equal(got.owner_name, 'delavega4');
      assert.equal(r.headers.location, got.url);
      assert.match(got.url, /\/collections\/\d+\/$/);
      assert.equal(r.headers.allow, meta('pynv-2020', 'create_collection').response.headers.Allow);
    });

    test('create_collection_with_blank_name: identical body (both eras)', async () => {
      const r = await call(u('/api/collections/'), { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: '{"name": ""}' });
      assert.equal(r.status, 400);
      assert.equal(r.text, sample('pynv-2020', 'create_collection_with_blank_name'));
      assert.equal(r.text, sample('pynv-2016', 'create_collection_with_blank_name'));
    });

    test('add_image + read_image: same key order, labels out, nulls until processed', async () => {
      const gz = nv.fileBody(nv.image(24375)!.id as number);
      const r = await call(u('/api/collections/8477/images/'), {
        method: 'POST', headers: AUTH,
        body: uploadForm({ name: 'test image from cli', map_type: 'Z', modality: 'fMRI-BOLD' }, { bytes: gz, name: 'motor_lips.nii.gz' }),
      });
      assert.equal(r.status, 201, r.text);
      const got = r.json();
      const rec = JSON.parse(sample('pynv-2020', 'add_image'));
      assert.deepEqual(keys(got), keys(rec));
      for (const k of ['map_type', 'modality', 'is_valid', 'thumbnail', 'surface_left_file', 'image_type', 'description', 'analysis_level']) {
        assert.deepEqual(got[k], rec[k], k);
      }
      assert.equal(got.file, `${nv.url}/media/images/8477/motor_lips.nii.gz`);
      assert.equal(got.file_size, gz.length);
      const again = (await call(u(`/api/images/${got.id}/`))).json();
      assert.deepEqual(keys(again), keys(JSON.parse(sample('pynv-2020', 'read_image'))));
    });

    test('my_collections items have the recorded collection shape', async () => {
      const r = await call(u('/api/my_collections/'), { headers: AUTH });
      const recKeys = keys(JSON.parse(sample('pynv-2020', 'my_collections')).results[0]);
      const body = r.json();
      assert.deepEqual(keys(body), ['count', 'next', 'previous', 'results']);
      for (const c of body.results) assert.deepEqual(keys(c), recKeys);
      assert.ok(body.results.some((c: any) => c.id === 8477));
    });
  });

  describe('pagination', () => {
    test('default 100, limit capped at 1000, next/previous always carry limit', async () => {
      const big = nv.bigCollectionId;
      const d = (await call(u(`/api/collections/${big}/images/`))).json();
      assert.equal(d.count, 1250);
      assert.equal(d.results.length, 100);
      assert.equal(d.next, u(`/api/collections/${big}/images/?limit=100&offset=100`));
      assert.equal(d.previous, null);
      const capped = (await call(u(`/api/collections/${big}/images/?limit=5000`))).json();
      assert.equal(capped.results.length, 1000);
      assert.equal(capped.next, u(`/api/collections/${big}/images/?limit=1000&offset=1000`));
      const last = (await call(capped.next)).json();
      assert.equal(last.results.length, 250);
      assert.equal(last.next, null);
      assert.equal(last.previous, u(`/api/collections/${big}/images/?limit=1000`), 'offset dropped when it would be <= 0');
      const ids = [...capped.results, ...last.results].map((x: any) => x.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'nested images ordered by id');
    });

    test('bad limit/offset values never error', async () => {
      const p = `/api/collections/${nv.sixtyCollectionId}/images/`;
      for (const q of ['limit=abc', 'limit=0', 'limit=-5', 'limit=2.5']) {
        assert.equal((await call(u(`${p}?${q}`))).json().results.length, 60, q);
      }
      for (const q of ['offset=-3', 'offset=200/', 'offset=x']) {
        const d = (await call(u(`${p}?limit=10&${q}`))).json();
        assert.equal(d.results[0].name, 'map 1', q);
        assert.equal(d.previous, null);
      }
      const past = (await call(u(`${p}?offset=500`))).json();
      assert.deepEqual(past.results, []);
      assert.equal(past.count, 60);
      assert.equal(past.next, null);
      assert.equal(past.previous, u(`${p}?limit=100&offset=400`));
    });

    test('other query params are kept, sorted, in the links', async () => {
      const d = (await call(u(`/api/collections/${nv.sixtyCollectionId}/images/?offset=20&format=json&limit=10`))).json();
      assert.equal(d.next, u(`/api/collections/${nv.sixtyCollectionId}/images/?format=json&limit=10&offset=30`));
      assert.equal(d.previous, u(`/api/collections/${nv.sixtyCollectionId}/images/?format=json&limit=10&offset=10`));
    });

    test('absolute URLs follow the Host header', async () => {
      const port = new URL(nv.url).port;
      const d = (await call(u('/api/collections/1615/images/?limit=1'), { headers: { host: `localhost:${port}` } })).json();
      assert.ok(d.next.startsWith(`http://localhost:${port}/api/`));
      assert.ok(d.results[0].file.startsWith(`http://localhost:${port}/media/images/1615/`));
    });

    test('DOI filter is ignored by default (full list)', async () => {
      const d = (await call(u('/api/collections/?DOI=10.1016/j.neurobiolaging.2012.11.002'))).json();
      const publicCount = [...nv.store.collections.values()].filter((c) => !c.token).length;
      assert.ok(publicCount >= 28, '20 synthetic + 8 public seeds (+ any created by earlier tests)');
      assert.equal(d.count, publicCount);
      assert.equal(d.results.length, publicCount);
      assert.ok(!d.results.some((c: any) => c.private), 'private collections are not listed');
      assert.equal(d.next, null);
    });
  });

  describe('routing and errors', () => {
    test('missing trailing slash → 301 to the slashed path, query kept, any method', async () => {
      const r = await call(u('/api/collections/1615/images?limit=1'));
      assert.equal(r.status, 301);
      assert.equal(r.headers.location, '/api/collections/1615/images/?limit=1');
      const before = nv.collection(8477)!.number_of_images;
      const p = await call(u('/api/collections/8477/images'), { method: 'POST', headers: AUTH, body: uploadForm({ name: 'x' }) });
      assert.equal(p.status, 301);
      assert.equal(nv.collection(8477)!.number_of_images, before, 'nothing created');
    });

    test('unknown API path → Django HTML 404; non-numeric id → HTML 500', async () => {
      const a = await call(u('/api/foo/'));
      assert.equal(a.status, 404);
      assert.match(String(a.headers['content-type']), /text\/html/);
      assert.match(a.text, /<h1>Not Found<\/h1>/);
      const b = await call(u('/api/collections/abc/'));
      assert.equal(b.status, 500);
      assert.match(b.text, /<h1>Server Error \(500\)<\/h1>/);
    });

    test('not found is JSON', async () => {
      const r = await call(u('/api/collections/999999/'));
      assert.equal(r.status, 404);
      assert.deepEqual(r.json(), { detail: 'Not found.' });
    });
  });

  describe('authentication', () => {
    test('Token works (keyword case-insensitive); /api/user/ shape', async () => {
      for (const kw of ['Token', 'token']) {
        const r = await call(u('/api/user/'), { headers: { authorization: `${kw} ${TOKEN}` } });
        assert.equal(r.status, 200);
        assert.deepEqual(r.json(), { id: 1599, username: 'delavega4', email: '', first_name: '', last_name: '' });
      }
      assert.equal((await call(u('/api/user'), { headers: AUTH })).status, 200, '/api/user needs no slash');
    });

    test('Bearer is ignored: public reads work, protected ones 401', async () => {
      const bearer = { authorization: `Bearer ${TOKEN}` };
      assert.equal((await call(u('/api/collections/1615/'), { headers: bearer })).status, 200);
      const r = await call(u('/api/my_collections/'), { headers: bearer });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json(), { detail: 'Authentication credentials were not provided.' });
      assert.equal(r.headers['www-authenticate'], 'Token');
    });

    test('a wrong token breaks even public GETs; empty Token header', async () => {
      const r = await call(u('/api/collections/1615/'), { headers: { authorization: `Token ${TOKEN}ff` } });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json(), { detail: 'Invalid token.' });
      const e = await call(u('/api/collections/1615/'), { headers: { authorization: 'Token' } });
      assert.deepEqual(e.json(), { detail: 'Invalid token header. No credentials provided.' });
    });
  });

  describe('private collections', () => {
    test('token access works, numeric id is 403 even for the owner', async () => {
      const r = await call(u(`/api/collections/${nv.privateToken}/`));
      assert.equal(r.status, 200);
      const c = r.json();
      assert.equal(c.private, true);
      assert.ok(c.url.endsWith(`/collections/${nv.privateToken}/`));
      const f = await call(u(`/api/collections/${c.id}/`), { headers: AUTH });
      assert.equal(f.status, 403);
      assert.deepEqual(f.json(), { detail: 'You do not have permission to perform this action.' });
      assert.equal((await call(u(`/api/collections/${c.id}/images/`), { headers: AUTH })).status, 403);
      assert.equal((await call(u('/api/collections/ABCDEFGH/'))).status, 404);
    });

    test('images via token; TOKEN-id image ids; listed in my_collections only', async () => {
      const d = (await call(u(`/api/collections/${nv.privateToken}/images/`))).json();
      assert.equal(d.count, 2);
      const im = d.results[0];
      assert.ok(im.file.includes(`/media/images/${nv.privateToken}/`));
      assert.equal((await call(im.file)).status, 200);
      assert.equal((await call(u(`/api/images/${nv.privateToken}-${im.id}/`))).json().id, im.id);
      assert.equal((await call(u(`/api/images/${im.id}/`))).status, 404);
      const mine = (await call(u('/api/my_collections/'), { headers: AUTH })).json();
      assert.ok(mine.results.some((c: any) => c.private && c.id === im.collection_id));
      const all = (await call(u('/api/collections/?limit=1000'))).json();
      assert.ok(!all.results.some((c: any) => c.id === im.collection_id));
    });
  });

  describe('polymorphic images', () => {
    test('statistic map, atlas and NIDM statmap in the DOI seed', async () => {
      const c = (await call(u(`/api/collections/${nv.seedDoiCollectionId}/`))).json();
      assert.equal(c.DOI, '10.1016/j.neurobiolaging.2012.11.002');
      const d = (await call(u(`/api/collections/${nv.seedDoiCollectionId}/images/`))).json();
      const types = d.results.map((x: any) => x.image_type);
      assert.deepEqual(types, ['statistic_map', 'atlas', 'NIDM results statistic map']);
      assert.equal(c.number_of_images, 4, 'counts the NIDM pack too');
      const [sm, at, ns] = d.results;
      assert.equal(sm.map_type, 'T map');
      assert.equal(sm.contrast_id, 3);
      assert.ok(!('map_type' in at) && !('modality' in at) && 'label_description_file' in at);
      assert.ok(ns.file.endsWith('/age_vbm.nidm/TStatistic.nii.gz'));
      assert.ok(ns.nidm_results && ns.nidm_results_ttl);
      assert.equal((await call(ns.file)).status, 200);
    });

    test('/api/atlases/ and nested atlases have no image_type', async () => {
      const all = (await call(u('/api/atlases/?limit=1000'))).json();
      assert.ok(all.count >= 1);
      for (const a of all.results) assert.ok(!('image_type' in a));
      const nested = (await call(u(`/api/collections/${nv.seedDoiCollectionId}/atlases/`))).json();
      assert.equal(nested.count, 1);
      assert.ok(!('image_type' in nested.results[0]));
    });

    test('/api/images/ lists public images only', async () => {
      const d = (await call(u('/api/images/?limit=1000'))).json();
      assert.ok(d.count > 1000);
      assert.ok(d.results.every((x: any) => !x.url.includes(nv.privateToken)));
    });
  });

  describe('files', () => {
    test('valid gzip NIfTI-1; served bytes = fileBody; Range', async () => {
      const im = (await call(u(`/api/collections/${nv.sixtyCollectionId}/images/?limit=1`))).json().results[0];
      const r = await request(im.file);
      const body = Buffer.from(await r.body.arrayBuffer());
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['accept-ranges'], 'bytes');
      assert.equal(r.headers['content-encoding'], undefined);
      assert.equal(body.length, im.file_size);
      assert.equal(sha(body), sha(nv.fileBody(im.id)));
      const raw = gunzipSync(body);
      assert.equal(raw.readInt32LE(0), 348);
      assert.equal(raw.subarray(344, 348).toString('latin1'), 'n+1\0');
      assert.ok(Math.abs(body.length - 2048) < 64);

      const part = await call(im.file, { headers: { range: 'bytes=10-19' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers['content-range'], `bytes 10-19/${body.length}`);
      const pr = await request(im.file, { headers: { range: 'bytes=100-' } });
      assert.equal(pr.statusCode, 206);
      assert.deepEqual(Buffer.from(await pr.body.arrayBuffer()), body.subarray(100));
      const bad = await call(im.file, { headers: { range: `bytes=${body.length}-` } });
      assert.equal(bad.status, 416);
      assert.equal(bad.headers['content-range'], `bytes */${body.length}`);
    });

    test('missing file → HTML 404 with file_size 0; hostile name still served; HTML trap', async () => {
      const d = (await call(u(`/api/collections/${nv.brokenFilesCollectionId}/images/`))).json();
      const missing = d.results.find((x: any) => x.id === nv.missingFileImageId);
      assert.equal(missing.file_size, 0);
      const m = await call(missing.file);
      assert.equal(m.status, 404);
      assert.match(String(m.headers['content-type']), /text\/html/);
      const hostile = d.results.find((x: any) => x.id === nv.hostileFileImageId);
      assert.ok(hostile.file.endsWith('/..%2F..%2Fx.nii.gz'), hostile.file);
      const h = await request(hostile.file);
      assert.equal(h.statusCode, 200);
      assert.equal(sha(Buffer.from(await h.body.arrayBuffer())), sha(nv.fileBody(hostile.id)));
      const trap = (await call(u(`/api/collections/${nv.htmlTrapCollectionId}/images/`))).json().results[0];
      assert.ok(trap.file_size > 0, 'the trap claims a real file');
      const t = await call(trap.file);
      assert.equal(t.status, 200);
      assert.match(String(t.headers['content-type']), /text\/html/);
      assert.match(t.text, /<form/);
    });
  });

  describe('uploads', () => {
    const gz = () => Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(500)]);

    test('missing required fields → exact error body', async () => {
      const r = await call(u('/api/collections/8477/images/'), { method: 'POST', headers: AUTH, body: uploadForm({ name: 'x' }) });
      assert.equal(r.status, 400);
      assert.equal(r.text, '{"map_type":["This field is required."],"modality":["This field is required."],"file":["No file was submitted."]}');
    });

    test('bad choice and non-gzip file', async () => {
      const r = await call(u('/api/collections/8477/images/'), {
        method: 'POST', headers: AUTH, body: uploadForm({ name: 'x', map_type: 'XYZ', modality: 'fMRI-BOLD' }, { bytes: gz(), name: 'a.nii.gz' }),
      });
      assert.deepEqual(r.json(), { map_type: ['"XYZ" is not a valid choice.'] });
      const n = await call(u('/api/collections/8477/images/'), {
        method: 'POST', headers: AUTH, body: uploadForm({ name: 'x', map_type: 'T', modality: 'fMRI-BOLD' }, { bytes: Buffer.from('plain nifti'), name: 'a.nii' }),
      });
      assert.equal(n.status, 400);
      assert.deepEqual(keys(n.json()), ['file']);
    });

    test('anonymous → 401, not owner → 403', async () => {
      const body = () => uploadForm({ name: 'x', map_type: 'T', modality: 'fMRI-BOLD' }, { bytes: gz(), name: 'a.nii.gz' });
      assert.equal((await call(u('/api/collections/8477/images/'), { method: 'POST', body: body() })).status, 401);
      assert.equal((await call(u(`/api/collections/${nv.seedDoiCollectionId}/images/`), { method: 'POST', headers: AUTH, body: body() })).status, 403);
    });

    test('success: codes → labels, user metadata re-parsed, bytes and fields recorded', async () => {
      const bytes = gz();
      const r = await call(u('/api/collections/8477/images/'), {
        method: 'POST', headers: AUTH,
        body: uploadForm({ name: 'meta test', map_type: 'T', modality: 'fMRI-BOLD', analysis_level: 'G', number_of_subjects: '12', answer: '42', empty: '', label: 'abc', flag: 'true' }, { bytes, name: 'dir/my map.nii.gz' }),
      });
      assert.equal(r.status, 201, r.text);
      const im = r.json();
      assert.equal(im.map_type, 'T map');
      assert.equal(im.analysis_level, 'group');
      assert.equal(im.number_of_subjects, 12);
      assert.equal(im.answer, 42);
      assert.equal(im.empty, '');
      assert.equal(im.label, 'abc');
      assert.equal(im.flag, true);
      assert.equal(im.is_valid, false);
      assert.equal(keys(im).at(-1), 'image_type');
      assert.ok(im.file.endsWith('/media/images/8477/my_map.nii.gz'));
      assert.deepEqual(nv.uploadedBytes(im.id), bytes);
      assert.equal(nv.upload(im.id)!.fields.find((f) => f.name === 'answer')!.value, '42');
      assert.equal(sha(Buffer.from(await (await request(im.file)).body.arrayBuffer())), sha(bytes));
    });

    test('64 MiB upload streams through intact', async () => {
      const bytes = Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(64 * 1024 * 1024 - 2)]);
      const r = await call(u('/api/collections/8477/images/'), {
        method: 'POST', headers: AUTH, body: uploadForm({ name: 'big', map_type: 'Z', modality: 'fMRI-BOLD' }, { bytes, name: 'big.nii.gz' }),
      });
      assert.equal(r.status, 201);
      const id = r.json().id as number;
      assert.equal(r.json().file_size, bytes.length);
      assert.equal(sha(nv.uploadedBytes(id)!), sha(bytes));
    });
  });

  describe('collection creation', () => {
    const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      call(nv.url + '/api/collections/', { method: 'POST', headers: { ...AUTH, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

    test('name xor DOI, duplicate name, DOI resolution', async () => {
      assert.deepEqual((await post({})).json(), { non_field_errors: ['Specify either "name" or "DOI"'] });
      assert.deepEqual((await post({ name: 'Sixty maps' })).json(), { name: ['collection with this Name of collection already exists.'] });
      assert.deepEqual((await post({ DOI: '10.1234/unknown' })).json(), { non_field_errors: ['Could not resolve DOI'] });
      const ok = await post({ DOI: '10.5555/neurovault-standin.7' });
      assert.equal(ok.status, 201);
      assert.equal(ok.json().name, 'Stand-in paper 7');
      assert.equal(ok.json().DOI, '10.5555/neurovault-standin.7');
      assert.equal((await call(nv.url + '/api/collections/', { method: 'POST', body: '{"name":"x"}', headers: { 'content-type': 'application/json' } })).status, 401);
    });

    test('private: true gives a token URL; form "true" is not a valid choice', async () => {
      const r = await post({ name: 'secret', private: true });
      const c = r.json();
      const token = /\/collections\/([A-Z]{8})\/$/.exec(c.url)?.[1];
      assert.ok(token, c.url);
      assert.equal((await call(nv.url + `/api/collections/${token}/`)).json().id, c.id);
      const f = await post('name=other&private=true', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.deepEqual(f.json(), { private: ['"true" is not a valid choice.'] });
    });
  });

  describe('faults', () => {
    test('API faults: 502 HTML, 429 + Retry-After, reset, truncate, 500 HTML — then normal', async () => {
      const p = '/api/collections/1615/';
      nv.faults.api.failNext.push({ pathPrefix: p, kind: '502', count: 1 });
      const a = await call(u(p));
      assert.equal(a.status, 502);
      assert.match(a.text, /502 Bad Gateway/);
      assert.equal((await call(u(p))).status, 200);

      nv.faults.retryAfterSeconds = 0;
      nv.faults.api.failNext.push({ pathPrefix: p, kind: '429', count: 1 });
      const b = await call(u(p));
      assert.equal(b.status, 429);
      assert.equal(b.headers['retry-after'], '0');
      nv.faults.retryAfterSeconds = 1;

      nv.faults.api.failNext.push({ pathPrefix: p, kind: 'reset', count: 1 });
      await assert.rejects(call(u(p)));

      nv.faults.api.failNext.push({ pathPrefix: p, kind: 'truncate', count: 1 });
      await assert.rejects(call(u(p)));

      nv.faults.api.failNext.push({ pathPrefix: p, kind: '500html', count: 1 });
      assert.equal((await call(u(p))).status, 500);
      assert.equal((await call(u(p))).status, 200);
      assert.equal(nv.faults.api.failNext.length, 0);
    });

    test('file faults: each failing file fails 1..max times then serves the right bytes', async () => {
      nv.faults.fileFailRate = 1;
      nv.faults.maxFailuresPerFile = 2;
      nv.faults.kinds = ['502', 'truncate', 'reset', '429', '500html'];
      nv.faults.retryAfterSeconds = 0;
      try {
        const ims = (await call(u(`/api/collections/${nv.sixtyCollectionId}/images/?limit=10`))).json().results;
        const seen = new Set<string>();
        for (const im of ims) {
          let failures = 0;
          for (;;) {
            try {
              const r = await request(im.file);
              const body = Buffer.from(await r.body.arrayBuffer());
              if (r.statusCode === 200) { assert.equal(sha(body), sha(nv.fileBody(im.id))); break; }
              seen.add(String(r.statusCode));
            } catch { seen.add('dropped'); }
            failures++;
            assert.ok(failures <= 2, 'at most maxFailuresPerFile failures');
          }
          assert.ok(failures >= 1);
        }
        assert.ok(seen.size >= 2, `several kinds seen: ${[...seen].join(',')}`);
      } finally {
        nv.faults.fileFailRate = 0;
        nv.faults.retryAfterSeconds = 1;
      }
    });
  });

  test('requests are recorded with lower-cased headers and status', async () => {
    const before = nv.requests.length;
    await call(u('/api/collections/1615/'), { headers: { 'X-Probe': 'yes' } });
    const rec = nv.requests.slice(before).find((r) => r.path === '/api/collections/1615/')!;
    assert.equal(rec.method, 'GET');
    assert.equal(rec.headers['x-probe'], 'yes');
    assert.equal(rec.origin, 'api');
    assert.equal(rec.status, 200);
  });

  test('addCollection builds scenarios', async () => {
    const { collection, images } = nv.addCollection({ name: 'scenario', DOI: '10.9999/scenario' }, [{ $meta: { k: 1 } }, { $file: 'missing' }]);
    const d = (await call(u(`/api/collections/${collection.id}/images/`))).json();
    assert.equal(d.count, 2);
    assert.equal(d.results[0].k, 1);
    assert.equal(images[1]!.file_size, 0);
    assert.equal((await call(images[1]!.file as string)).status, 404);
  });
});

describe('stand-in options', () => {
  test('doiFilter honoured does exact matching', async () => {
    const nv = await startStandin({ doiFilter: 'honoured', collections: 5 });
    try {
      const d = (await call(`${nv.url}/api/collections/?DOI=10.1016/j.neurobiolaging.2012.11.002`)).json();
      assert.equal(d.count, 1);
      assert.equal(d.results[0].id, nv.seedDoiCollectionId);
      assert.equal(d.next, null);
    } finally { await nv.close(); }
  });

  test('separate file origin serves files from another port', async () => {
    const nv = await startStandin({ fileOrigin: 'separate', collections: 1, fileBytes: 10_000, fileLatencyMs: 5, apiLatencyMs: 5 });
    try {
      assert.notEqual(nv.fileUrl, nv.url);
      const im = (await call(`${nv.url}/api/collections/${nv.sixtyCollectionId}/images/?limit=1`)).json().results[0];
      assert.ok(im.file.startsWith(`${nv.fileUrl}/media/images/`));
      const f = await request(im.file);
      const body = Buffer.from(await f.body.arrayBuffer());
      assert.equal(body.length, im.file_size);
      assert.ok(Math.abs(body.length - 10_000) < 64);
      assert.equal((await call(im.file.replace(nv.fileUrl, nv.url))).status, 404, 'API origin does not serve files');
      assert.equal(nv.requests.at(-2)?.origin, 'file');
    } finally { await nv.close(); }
  });

  test('3000 collections start fast; 1000-row pages; close() with open keep-alive sockets', async () => {
    const t0 = performance.now();
    const nv = await startStandin({ collections: 3000 });
    const started = performance.now() - t0;
    assert.ok(started < 1500, `startup took ${started.toFixed(0)} ms`);
    const d = (await call(`${nv.url}/api/collections/?limit=1000&offset=1000`)).json();
    assert.equal(d.count, 3008);
    assert.equal(d.results.length, 1000);
    // the DOI seed sits mid-list so a client-side DOI scan has to page
    const all = [...(await call(`${nv.url}/api/collections/?limit=1000`)).json().results, ...d.results];
    assert.ok(!all.slice(0, 1000).some((c: any) => c.id === nv.seedDoiCollectionId));
    assert.ok(all.some((c: any) => c.id === nv.seedDoiCollectionId));
    const par = await Promise.all(Array.from({ length: 50 }, (_, i) => call(`${nv.url}/api/collections/${20001 + i}/`)));
    assert.ok(par.every((r) => r.status === 200));
    await nv.close();
  });
});
