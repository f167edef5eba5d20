import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startStandin, type Standin } from './standin/server.js';
import { niftiGz } from './standin/nifti-file.js';
import { runCli } from './helpers/run-cli.js';

const TOKEN = '0123456789abcdef0123456789abcdef01234567';

describe('images upload and collections create against the stand-in', () => {
  let nv: Standin;
  let dir: string;
  let mine: number;
  let tmap: string;
  let zmap: string;
  let plain: string;
  let plainBytes: Buffer;
  const cli = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCli(['--base-url', nv.url, ...args], { env: { NEUROVAULT_TOKEN: TOKEN, ...env } });
  /** Requests that reached the API since the last reset. */
  const apiRequests = () => nv.requests.filter((r) => r.origin === 'api');
  const posts = () => apiRequests().filter((r) => r.method === 'POST');
  const uploaded = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>[];

  before(async () => {
    nv = await startStandin({ collections: 5 });
    dir = await mkdtemp(join(tmpdir(), 'nv-publish-'));
    mine = nv.addCollection({ name: 'my uploads' }, 0).collection.id as number;
    tmap = join(dir, 'tstat1.nii.gz');
    zmap = join(dir, 'zstat1.nii.gz');
    plain = join(dir, 'plain map.nii');
    await writeFile(tmap, niftiGz(11, 40_000));
    await writeFile(zmap, niftiGz(12, 30_000));
    plainBytes = gunzipSync(niftiGz(13, 20_000));
    await writeFile(plain, plainBytes);
  });
  after(async () => {
    await nv.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an upload arrives byte-exact, with "Authorization: Token <key>", at the trailing-slash URL', async () => {
    nv.requests.length = 0;
    const r = await cli(['images', 'upload', '--collection', String(mine), tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const [image] = uploaded(r.stdout);
    assert.equal(image!.name, 'tstat1', 'name defaults to the file name without .nii.gz');
    assert.deepEqual(nv.uploadedBytes(image!.id as number), await import('node:fs/promises').then((fs) => fs.readFile(tmap)));
    const [post] = posts();
    assert.equal(post!.path, `/api/collections/${mine}/images/`);
    assert.equal(post!.headers.authorization, `Token ${TOKEN}`);
    assert.match(post!.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    assert.ok(Number(post!.headers['content-length']) > 40_000, 'streamed with a Content-Length, not chunked');
    assert.equal(nv.upload(image!.id as number)!.file.filename, 'tstat1.nii.gz');
  });

  test('labels are sent as codes, user metadata arrives as fields, --meta wins over --meta-file', async () => {
    const metaFile = join(dir, 'meta.json');
    await writeFile(metaFile, JSON.stringify({ task: 'n-back', runs: 3, pilot: true, shared: 'from file' }));
    const r = await cli([
      'images', 'upload', '--collection', String(mine), zmap,
      '--map-type', 'z MAP', '--modality', 'fmri-bold', '--analysis-level', 'group', '--name', 'Z of n-back',
      '--meta', 'number_of_subjects=24', '--meta', 'shared=from flag', '--meta-file', metaFile, '-o', 'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [image] = uploaded(r.stdout);
    const fields = Object.fromEntries(nv.upload(image!.id as number)!.fields.map((f) => [f.name, f.value]));
    assert.equal(fields.map_type, 'Z');
    assert.equal(fields.modality, 'fMRI-BOLD');
    assert.equal(fields.analysis_level, 'G');
    assert.equal(fields.name, 'Z of n-back');
    assert.equal(fields.task, 'n-back');
    assert.equal(fields.runs, '3');
    assert.equal(fields.pilot, 'true');
    assert.equal(fields.shared, 'from flag');
    assert.equal(image!.map_type, 'Z map');
    assert.equal(image!.analysis_level, 'group');
    assert.equal(image!.number_of_subjects, 24);
    assert.equal(image!.task, 'n-back', 'user metadata comes back flattened');
    assert.equal(image!.runs, 3);
  });

  test('a plain .nii is gzipped on the fly and arrives as valid gzip of the same volume', async () => {
    const r = await cli(['images', 'upload', '--collection', String(mine), plain, '--map-type', 'T', '--modality', 'fMRI-BOLD', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const [image] = uploaded(r.stdout);
    const bytes = nv.uploadedBytes(image!.id as number)!;
    assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
    assert.deepEqual(gunzipSync(bytes), plainBytes);
    assert.equal(image!.name, 'plain map');
    assert.equal(nv.upload(image!.id as number)!.file.filename, 'plain map.nii.gz');
    assert.equal(image!.file_size, bytes.length);
  });

  test('--skip-existing: a re-run uploads nothing', async () => {
    const col = nv.addCollection({ name: 'skip test' }, 0).collection.id as number;
    const args = ['images', 'upload', '--collection', String(col), tmap, zmap, plain, '--map-type', 'T', '--modality', 'fMRI-BOLD', '--skip-existing', '-o', 'json'];
    const first = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(uploaded(first.stdout).length, 3);
    nv.requests.length = 0;
    const again = await cli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(uploaded(again.stdout), []);
    assert.equal(posts().length, 0, 'no POST on the re-run');
    assert.equal((again.stderr.match(/skipped/g) ?? []).length, 3, again.stderr);
  });

  test('--skip-existing still uploads a same-named file whose size differs', async () => {
    const col = nv.addCollection({ name: 'skip size test' }, 0).collection.id as number;
    const r1 = await cli(['images', 'upload', '--collection', String(col), tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD', '--skip-existing', '-o', 'json']);
    assert.equal(r1.code, 0, r1.stderr);
    const other = join(dir, 'other', 'tstat1.nii.gz');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'other'), { recursive: true }));
    await writeFile(other, niftiGz(99, 41_000));
    const r2 = await cli(['images', 'upload', '--collection', String(col), other, '--map-type', 'T', '--modality', 'fMRI-BOLD', '--skip-existing', '-o', 'json']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(uploaded(r2.stdout).length, 1);
  });

  test('a private collection is addressed by its token; its numeric id is refused (403 → exit 3)', async () => {
    const ok = await cli(['images', 'upload', '--collection', nv.privateToken, tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD', '--name', 'private upload', '-o', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(uploaded(ok.stdout)[0]!.name, 'private upload');
    const byId = await cli(['images', 'upload', '--collection', String(nv.privateCollectionId), tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD']);
    assert.equal(byId.code, 3, byId.stderr);
    assert.match(byId.stderr, new RegExp(`^hint: collection ${nv.privateCollectionId} is private: .*use its token ${nv.privateToken} instead$`, 'm'));
  });

  test("another user's collection → exit 3 with a hint", async () => {
    const r = await cli(['images', 'upload', '--collection', '1615', tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /403/);
    assert.match(r.stderr, /^hint: only the owner or a contributor/m);
    assert.doesNotMatch(r.stderr, /private|8-letter/, 'collection 1615 is public: nothing about tokens');
    assert.equal(r.stdout, '');
  });

  test('no token → exit 3 with a hint, and nothing is sent', async () => {
    nv.requests.length = 0;
    const r = await cli(['images', 'upload', '--collection', String(mine), tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD'], { NEUROVAULT_TOKEN: undefined });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /hint: .*NEUROVAULT_TOKEN.*--token-file.*auth login/);
    assert.equal(apiRequests().length, 0);
  });

  test('a bad token → exit 3', async () => {
    const r = await cli(['images', 'upload', '--collection', String(mine), tmap, '--map-type', 'T', '--modality', 'fMRI-BOLD'], { NEUROVAULT_TOKEN: 'f'.repeat(40) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Invalid token/);
    assert.ok(!r.stderr.includes('f'.repeat(40)));
  });

  for (const [title, args, pattern] of [
    ['a missing file', ['--map-type', 'T', '--modality', 'fMRI-BOLD', '/nonexistent/map.nii.gz'], /nonexistent\/map\.nii\.gz: no such file/],
    ['an unknown map type', ['--map-type', 'Q map', '--modality', 'fMRI-BOLD', 'TMAP'], /unknown --map-type "Q map"/],
    ['a missing modality', ['--map-type', 'T', 'TMAP'], /missing --modality/],
    ['a modality spelled as in the pynv README', ['--map-type', 'T', '--modality', 'fMRI_BOLD', 'TMAP'], /unknown --modality "fMRI_BOLD"/],
    ['a missing map type', ['--modality', 'MEG', 'TMAP'], /missing --map-type/],
    ['--name with two files', ['--map-type', 'T', '--modality', 'MEG', '--name', 'x', 'TMAP', 'ZMAP'], /--name names one image, but 2 files/],
    ['a bad --meta', ['--map-type', 'T', '--modality', 'MEG', '--meta', 'novalue', 'TMAP'], /invalid --meta "novalue"/],
    ['a --meta that shadows a flag', ['--map-type', 'T', '--modality', 'MEG', '--meta', 'map_type=Z', 'TMAP'], /set it with --map-type/],
    ['a bad template choice in --meta', ['--map-type', 'T', '--modality', 'MEG', '--meta', 'target_template_image=MNI305', 'TMAP'], /unknown metadata target_template_image/],
    ['a missing --meta-file', ['--map-type', 'T', '--modality', 'MEG', '--meta-file', '/nonexistent.json', 'TMAP'], /--meta-file \/nonexistent\.json: no such file/],
    ['a malformed collection', ['--map-type', 'T', '--modality', 'MEG', 'TMAP', '--collection', 'abc'], /invalid collection "abc"/],
  ] as const) {
    test(`${title} → exit 2 naming the problem, and the stand-in saw no request`, async () => {
      nv.requests.length = 0;
      const files = (a: readonly string[]) => a.map((x) => (x === 'TMAP' ? tmap : x === 'ZMAP' ? zmap : x));
      const collection = (args as readonly string[]).includes('--collection') ? [] : ['--collection', String(mine)];
      const r = await cli(['images', 'upload', ...collection, ...files(args)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(apiRequests().length, 0, JSON.stringify(nv.requests));
    });
  }

  test('files that are not NIfTI → exit 2 before any request (empty, text, gzip of text, directory, unreadable)', async () => {
    const empty = join(dir, 'empty.nii.gz');
    const text = join(dir, 'notes.nii');
    const gzText = join(dir, 'page.nii.gz');
    const locked = join(dir, 'locked.nii.gz');
    await writeFile(empty, '');
    await writeFile(text, 'not a volume\n'.repeat(100));
    await writeFile(gzText, (await import('node:zlib')).gzipSync('<!doctype html><title>Log in</title>'.repeat(50)));
    await writeFile(locked, niftiGz(5, 2000));
    await chmod(locked, 0o000);
    const cases: [string, RegExp][] = [
      [empty, /empty\.nii\.gz: the file is empty/],
      [text, /notes\.nii: not a NIfTI image/],
      [gzText, /page\.nii\.gz: not a NIfTI image \(no NIfTI-1\/NIfTI-2 header after gunzip\)/],
      [dir, /is a directory/],
    ];
    // root reads anything, so the permission case only means something for other users
    if (process.getuid?.() !== 0) cases.push([locked, /locked\.nii\.gz: not readable/]);
    for (const [file, pattern] of cases) {
      nv.requests.length = 0;
      const r = await cli(['images', 'upload', '--collection', String(mine), tmap, file, '--map-type', 'T', '--modality', 'MEG']);
      assert.equal(r.code, 2, `${file}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(apiRequests().length, 0, 'the valid first file was not uploaded either');
    }
  });

  test("a server 400 is shown as field: message lines, exit 2", async () => {
    const r = await cli(['images', 'upload', '--collection', String(mine), tmap, '--map-type', 'T', '--modality', 'MEG', '--meta', 'number_of_subjects=many']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the server rejected the input:\nnumber_of_subjects: A valid integer is required\.\n/);
  });

  test('a failed POST is never repeated (502, connection reset): one request, exit 1, the batch stops', async () => {
    for (const kind of ['502', 'reset'] as const) {
      const col = nv.addCollection({ name: `fault ${kind}` }, 0).collection.id as number;
      nv.faults.api.failNext.push({ pathPrefix: `/api/collections/${col}/images/`, kind, count: 1 });
      nv.requests.length = 0;
      const r = await cli(['images', 'upload', '--collection', String(col), tmap, zmap, '--map-type', 'T', '--modality', 'MEG', '-o', 'json']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(posts().length, 1, `${kind}: exactly one POST`);
      assert.deepEqual(uploaded(r.stdout), [], 'stdout still holds the (empty) array of created images');
      assert.match(r.stderr, /upload of .*tstat1\.nii\.gz failed \(file 1 of 2; 0 uploaded, 1 not tried\)/);
      if (kind === 'reset') assert.match(r.stderr, /hint: the image may or may not have been created; re-run with --skip-existing/);
      assert.equal((nv.collection(col)!.number_of_images as number) ?? 0, 0);
    }
  });

  test('the token never appears on stdout or stderr, also with -v, on success and on failure', async () => {
    const runs = await Promise.all([
      cli(['-v', 'images', 'upload', '--collection', String(mine), tmap, '--map-type', 'T', '--modality', 'MEG', '--name', 'verbose run', '--skip-existing']),
      cli(['-v', 'images', 'upload', '--collection', '1615', tmap, '--map-type', 'T', '--modality', 'MEG']),
      cli(['-v', 'collections', 'create', '--name', 'verbose collection', '-o', 'json']),
      cli(['-v', 'auth', 'status']),
    ]);
    for (const r of runs) {
      assert.ok(r.stderr.includes('> '), 'the request log is on');
      assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN), r.stderr);
    }
  });

  test('collections create --name: JSON POST, the created object on stdout, fields from --field', async () => {
    nv.requests.length = 0;
    const r = await cli([
      'collections', 'create', '--name', 'Ageing maps', '--description', 'group T maps',
      '--field', 'coordinate_space=mni', '--field', 'number_of_imaging_runs:=2', '-o', 'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(created.name, 'Ageing maps');
    assert.equal(created.description, 'group T maps');
    assert.equal(created.coordinate_space, 'mni');
    assert.equal(created.number_of_imaging_runs, 2);
    assert.equal(created.owner, 1599);
    const [post] = posts();
    assert.equal(post!.path, '/api/collections/');
    assert.match(post!.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(post!.headers.authorization, `Token ${TOKEN}`);
  });

  test('collections create --doi fills the name from the DOI; table output shows the key fields', async () => {
    const r = await cli(['collections', 'create', '--doi', 'https://doi.org/10.5555/neurovault-standin.7', '-o', 'tsv']);
    assert.equal(r.code, 0, r.stderr);
    const [header, row] = r.stdout.trimEnd().split('\n');
    assert.equal(header, 'id\tname\tDOI\tprivate\turl');
    assert.match(row!, /\tStand-in paper 7\t10\.5555\/neurovault-standin\.7\tfalse\t/);
  });

  test('collections create --private tells the token to use', async () => {
    const r = await cli(['collections', 'create', '--name', 'Secret study', '--private', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const created = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(created.private, true);
    const token = /\/collections\/([A-Z]{8})\/$/.exec(String(created.url))?.[1];
    assert.ok(token, String(created.url));
    assert.match(r.stderr, new RegExp(`token ${token}`));
    const up = await cli(['images', 'upload', '--collection', token!, tmap, '--map-type', 'T', '--modality', 'MEG', '-o', 'json']);
    assert.equal(up.code, 0, up.stderr);
  });

  test('collections create: a 400 becomes field: message lines (exit 2); bad flags exit 2 with no request', async () => {
    const dup = await cli(['collections', 'create', '--name', 'my uploads']);
    assert.equal(dup.code, 2, dup.stderr);
    assert.match(dup.stderr, /\nname: collection with this Name of collection already exists\.\n/);
    const doi = await cli(['collections', 'create', '--doi', '10.9999/does-not-resolve']);
    assert.equal(doi.code, 2, doi.stderr);
    assert.match(doi.stderr, /\nCould not resolve DOI\n/);
    nv.requests.length = 0;
    for (const [args, pattern] of [
      [['--name', 'a', '--doi', '10.1/x'], /cannot be used with option|not both/],
      [[], /missing --name or --doi/],
      [['--name', '  '], /--name must not be empty/],
      [['--doi', 'not-a-doi'], /invalid DOI/],
      [['--name', 'x', '--field', 'owner=5'], /server sets this field/],
      [['--name', 'x', '--field', 'name=y'], /set it with --name/],
      [['--name', 'x', '--field', 'bad'], /expected key=value/],
      [['--name', 'x', '--field', 'communities:=[1'], /must be JSON/],
    ] as const) {
      const r = await cli(['collections', 'create', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
    assert.equal(apiRequests().length, 0);
  });

  test('collections create without a token → exit 3, nothing sent', async () => {
    nv.requests.length = 0;
    const r = await cli(['collections', 'create', '--name', 'anonymous'], { NEUROVAULT_TOKEN: undefined });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^hint: /m);
    assert.equal(apiRequests().length, 0);
  });

  test('--help is served without loading the upload code and shows examples', async () => {
    const r = await runCli(['images', 'upload', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Examples:\n {2}\$ neurovault images upload/);
    const c = await runCli(['collections', 'create', '--help']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /--field <key=value>/);
  });
});
