import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, DEFAULT_USER, type Standin } from './standin/server.js';
import { niftiGz } from './standin/nifti-file.js';
import { runCli } from './helpers/run-cli.js';
import { HAVE_SCRIPT, frames, onTerminal, screen } from './helpers/terminal.js';
import { startS3rver, S3RVER_KEY, type LocalS3 } from './helpers/s3rver.js';

const COLS = 80;
const skip = !HAVE_SCRIPT && 'needs util-linux script';

/** The summary line of a download, the only thing a piped run writes on stderr. */
const SUMMARY = /^neurovault: fetched (\d+), skipped (\d+), failed 0 · [\d.]+ (B|KiB|MiB) in [\d.]+ s( \([\d.]+ (B|KiB|MiB)\/s\))? → \S+\n$/;
// The rate and ETA are blank until there is a rate (never `0 B/s  ETA --`).
const BAR = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (downloading|verifying  ) [█░]{7,} +\d+% +\d+\/60 files +[\d.]+\/[\d.]+ KiB( +[\d.]+ (B|KiB|MiB)\/s +ETA \d+s)?$/;

describe('progress on a terminal (a real pty through util-linux script)', () => {
  let nv: Standin;
  let work: string;
  const nvArgs = () => ['--base-url', nv.url];

  before(async () => {
    nv = await startStandin({ collections: 1, fileLatencyMs: 25, fileBytes: 4096 });
    work = await mkdtemp(join(tmpdir(), 'nv-progress-'));
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  test('download: an opening line, a bar that fits 80 columns, then only the summary is left on the screen; a re-run shows a verifying phase', { skip }, async () => {
    const out = join(work, 'sixty');
    const args = [...nvArgs(), 'download', String(nv.sixtyCollectionId), '--out', out];
    const first = await onTerminal(args, { cols: COLS, home: work });
    assert.equal(first.code, 0, first.raw);
    const drawn = frames(first.raw);
    assert.ok(drawn.length >= 1, first.raw);
    for (const f of drawn) {
      assert.ok(Array.from(f).length <= COLS - 3, `a frame of ${Array.from(f).length} columns: ${f}`);
      assert.match(f, BAR);
    }
    assert.match(drawn.join('\n'), /^⠋ downloading /m);
    const shown = screen(first.raw, COLS);
    assert.equal(shown.length, 2, shown.join('\n'));
    assert.match(shown[0]!, new RegExp(`^neurovault: downloading 60 images, [\\d.]+ KiB, from 1 collection into ${out}$`));
    assert.match(`${shown[1]}\n`, SUMMARY);

    const again = await onTerminal(args, { cols: COLS, home: work });
    assert.equal(again.code, 0, again.raw);
    const rerun = screen(again.raw, COLS);
    assert.match(rerun[0]!, /; 60 already there are re-hashed first, not fetched again$/);
    assert.match(rerun[1]!, /fetched 0, skipped 60, failed 0/);
    assert.equal(rerun.length, 2, rerun.join('\n'));
    const verifying = frames(again.raw).filter((f) => f.includes(' verifying '));
    assert.ok(verifying.length >= 1, again.raw);
    for (const f of verifying) assert.match(f, BAR);
  });

  test('Ctrl-C: exit 130, the bar erased, the summary and how to resume', { skip }, async () => {
    const out = join(work, 'big');
    const start = nv.requests.length;
    const run = await onTerminal([...nvArgs(), 'download', String(nv.bigCollectionId), '--out', out], {
      cols: COLS,
      home: work,
      onStart: (type) => {
        const poll = setInterval(() => {
          if (nv.requests.slice(start).filter((r) => r.path.startsWith('/media/')).length >= 60) {
            clearInterval(poll);
            type('\x03');
          }
        }, 5);
      },
    });
    assert.equal(run.code, 130, run.raw);
    const shown = screen(run.raw, COLS);
    assert.match(shown[0]!, /^neurovault: downloading 1,250 images/);
    const rest = shown.slice(1).join('\n');
    const summary = shown.findIndex((l) => /^neurovault: interrupted: fetched \d+, skipped 0, failed 0, [\d,]+ not started/.test(l));
    assert.ok(summary > 0, shown.join('\n'));
    // Then what the *.part files kept, when any were cut off mid-file, and how to resume.
    const after = shown.slice(summary + 1);
    if (after.length === 2) assert.match(after[0]!, /^neurovault: kept [\d,]+ partial files?, [\d.]+ (B|KiB|MiB), as \*\.part$/);
    assert.equal(after.at(-1), 'hint: run the same command again to resume: finished files are kept and *.part files continue');
    assert.ok(!/[█░]/.test(rest), `the bar was left on the screen:\n${rest}`);
  });

  test('a file being retried shows why on the bar, and the run still ends clean', { skip }, async () => {
    Object.assign(nv.faults, { fileFailRate: 0.5, kinds: ['502'], maxFailuresPerFile: 2, seed: 3 });
    let run;
    try {
      run = await onTerminal([...nvArgs(), 'download', String(nv.sixtyCollectionId), '--out', join(work, 'retried'), '--max-images', '12'], {
        cols: COLS,
        home: work,
        env: { NEUROVAULT_RETRY_BASE_MS: '400' },
      });
    } finally {
      nv.faults.fileFailRate = 0;
    }
    assert.equal(run.code, 0, run.raw);
    const retrying = frames(run.raw).filter((f) => f.includes(' · retrying: 502: '));
    assert.ok(retrying.length >= 1, run.raw);
    for (const f of retrying) {
      assert.ok(Array.from(f).length < COLS, f);
      assert.match(f, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] downloading [█░]{7} +\d+% +\d+\/12 files · retrying: 502: /);
    }
    const shown = screen(run.raw, COLS);
    assert.equal(shown.length, 2, shown.join('\n'));
    assert.match(shown[1]!, /fetched 12, skipped 0, failed 0/);
  });

  test('images upload: an opening line, a bar per file, one line per uploaded file', { skip }, async () => {
    const mine = nv.addCollection({ name: 'progress uploads' }, 0).collection.id as number;
    const files = [join(work, 'a.nii.gz'), join(work, 'b.nii.gz')];
    await writeFile(files[0]!, niftiGz(1, 20_000));
    await writeFile(files[1]!, niftiGz(2, 20_000));
    const run = await onTerminal([...nvArgs(), 'images', 'upload', '--collection', String(mine), ...files, '--map-type', 'T', '--modality', 'fMRI-BOLD'], {
      cols: COLS,
      home: work,
      env: { NEUROVAULT_TOKEN: DEFAULT_USER.token },
    });
    assert.equal(run.code, 0, run.raw);
    assert.ok(frames(run.raw).some((f) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] (uploading|preparing) [█░]{7,} +\d+% +[012]\/2 files/.test(f)), run.raw);
    const shown = screen(run.raw, COLS);
    assert.match(shown[0]!, new RegExp(`^neurovault: uploading 2 files, [\\d.]+ KiB, to collection ${mine}$`));
    assert.match(shown[1]!, /^✔ uploaded .*a\.nii\.gz \(1\/2\), [\d.]+ KiB → image \d+$/);
    assert.match(shown[2]!, /^✔ uploaded .*b\.nii\.gz \(2\/2\), [\d.]+ KiB → image \d+$/);
    assert.ok(!shown.some((l) => /[█░]/.test(l)), shown.join('\n'));
  });

  test('a slow listing shows a spinner with the retry reason, erased before the table', { skip }, async () => {
    nv.faults.api.failNext.push({ pathPrefix: '/api/collections/', kind: '502', count: 1 });
    const run = await onTerminal([...nvArgs(), 'collections', 'list', '--limit', '3'], {
      cols: COLS,
      home: work,
      env: { NEUROVAULT_RETRY_BASE_MS: '1400' },
    });
    assert.equal(run.code, 0, run.raw);
    const spun = frames(run.raw);
    assert.ok(spun.some((f) => /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] listing collections( · \ds)? · retry 1\/4 in [\d.]+s: 502: /.test(f)), run.raw);
    for (const f of spun) assert.ok(Array.from(f).length < COLS, f);
    const shown = screen(run.raw, COLS);
    assert.ok(!shown.some((l) => l.includes('listing collections')), shown.join('\n'));
    assert.ok(shown.some((l) => /\bid\b.*\bname\b/.test(l)), shown.join('\n'));
  });

  test('piped: nothing but the summary line, byte for byte as before; -q: nothing at all', async () => {
    const out = join(work, 'piped');
    const args = [...nvArgs(), 'download', String(nv.sixtyCollectionId), '--out', out];
    const r1 = await runCli(args);
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(r1.stderr, SUMMARY);
    assert.equal(SUMMARY.exec(r1.stderr)![1], '60');
    const r2 = await runCli(args);
    assert.match(r2.stderr, SUMMARY);
    assert.equal(SUMMARY.exec(r2.stderr)![2], '60');
    const quiet = await runCli([...args, '-q']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    const listed = await runCli([...nvArgs(), 'collections', 'list', '--limit', '3']);
    assert.equal(listed.stderr, '');
  });

  test('--no-progress and -q on a terminal: no bar, no opening line; -q keeps errors', { skip }, async () => {
    const out = join(work, 'noprogress');
    const args = [...nvArgs(), 'download', String(nv.sixtyCollectionId), '--out', out, '--max-images', '5'];
    const plain = await onTerminal([...args, '--no-progress'], { cols: COLS, home: work });
    assert.equal(plain.code, 0, plain.raw);
    assert.equal(frames(plain.raw).length, 0, plain.raw);
    assert.match(`${screen(plain.raw, COLS).join('\n')}\n`, SUMMARY);
    const quiet = await onTerminal([...args, '-q'], { cols: COLS, home: work });
    assert.equal(quiet.code, 0, quiet.raw);
    assert.equal(quiet.raw, '');
    const failed = await onTerminal([...nvArgs(), 'download', 'image:999999999', '--out', out, '-q'], { cols: COLS, home: work });
    assert.notEqual(failed.code, 0);
    assert.match(failed.raw, /^neurovault: /m);
  });
});

describe('progress of an S3 transfer on a terminal', () => {
  let s3: LocalS3;
  let work: string;

  before(async () => {
    s3 = await startS3rver(['progress-bucket']);
    work = await mkdtemp(join(tmpdir(), 'nv-progress-s3-'));
  });
  after(async () => {
    await s3.close();
    await rm(work, { recursive: true, force: true });
  });

  test('cp --recursive: an opening line, a bar of files and bytes, the action lines above it, nothing left after', { skip }, async () => {
    const dir = join(work, 'up');
    await mkdir(dir);
    for (let i = 0; i < 20; i++) await writeFile(join(dir, `f${String(i).padStart(2, '0')}.bin`), Buffer.alloc(30_000, i));
    const env = { AWS_ACCESS_KEY_ID: S3RVER_KEY, AWS_SECRET_ACCESS_KEY: S3RVER_KEY, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const run = await onTerminal(['--endpoint-url', s3.endpoint, 's3', 'cp', dir, 's3://progress-bucket/p/', '--recursive'], { cols: COLS, home: work, env });
    assert.equal(run.code, 0, run.raw);
    const drawn = frames(run.raw);
    assert.ok(drawn.length >= 1, run.raw);
    for (const f of drawn) {
      assert.ok(Array.from(f).length <= COLS - 3, f);
      assert.match(f, /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] uploading [█░]{7,} +\d+% +\d+\/\d+ files +[\d.]+\/[\d.]+ (B|KiB)( |$)/);
    }
    const shown = screen(run.raw, COLS);
    assert.equal(shown[0], `neurovault: uploading ${dir} to s3://progress-bucket/p/`);
    assert.equal(shown.length, 21, shown.join('\n'));
    for (const l of shown.slice(1)) assert.match(l, /^upload: \S+f\d\d\.bin to s3:\/\/progress-bucket\/p\/f\d\d\.bin$/);
  });
});
