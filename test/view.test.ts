import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { PNG } from 'pngjs';
import { runCli, REPO_ROOT } from './helpers/run-cli.js';
import { nibabelMissing, readVolumes, writeVolumes, type NibabelView, type VolumeSpec } from './helpers/nibabel.js';
import { centroid, isCold, isHot, parseHalfBlocks, type Cell } from './helpers/ansi-grid.js';
import { readVolumeFile } from '../src/view/volume.js';
import { volumeStats } from '../src/view/stats.js';
import { renderPicture } from '../src/view/picture.js';
import { chooseDisplay } from '../src/view/terminal.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, drawText, textWidth } from '../src/view/font.js';
import { startStandin, type Standin } from './standin/server.js';

const missing = nibabelMissing();
const never = new AbortController().signal;

type Mat = number[][];
const MNI_4MM_LAS: Mat = [[-4, 0, 0, 90], [0, 4, 0, -126], [0, 0, 4, -72], [0, 0, 0, 1]];
const MNI_4MM_RAS: Mat = [[4, 0, 0, -90], [0, 4, 0, -126], [0, 0, 4, -72], [0, 0, 0, 1]];
const SHAPE = [46, 55, 46];
const BRAIN = { centre: [0, -18, 18], radii: [70, 90, 70], value: 0.5 };
/** A positive blob in the right hemisphere and a negative one in the left, in the same coronal and axial planes,
 * off the voxel grid's midpoints so the peak voxel is one voxel, whatever the storage order. */
const HOT = { mm: [41, -21, 31], radius: 14, value: 8 };
const COLD = { mm: [-31, -21, 31], radius: 14, value: -5 };

function rotZ(deg: number, m: Mat): Mat {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  const r = [[c, -s, 0], [s, c, 0], [0, 0, 1]];
  return [0, 1, 2].map((i) => [0, 1, 2, 3].map((j) => (j < 3 ? r[i]!.reduce((acc, v, k) => acc + v * m[k]![j]!, 0) : m[i]![3]!))).concat([[0, 0, 0, 1]]);
}

const base = (over: Partial<VolumeSpec> = {}): VolumeSpec => ({
  shape: SHAPE,
  affine: MNI_4MM_LAS,
  dtype: 'float32',
  background: null,
  brain: BRAIN,
  blobs: [HOT, COLD],
  ...over,
});

/** Orientation and container variants; those in `sameGrid` put voxel centres on the same world points. */
const VARIANTS: Record<string, { spec: VolumeSpec; ext: string; sameGrid: boolean }> = {
  'sform LAS': { spec: base(), ext: '.nii.gz', sameGrid: true },
  'sform RAS': { spec: base({ affine: MNI_4MM_RAS }), ext: '.nii.gz', sameGrid: true },
  'qform only, LAS (qfac -1)': { spec: base({ codes: { sform: 0, qform: 4 } }), ext: '.nii.gz', sameGrid: true },
  'sform beats a different qform': {
    spec: base({ codes: { sform: 4, qform: 1 }, qform_affine: MNI_4MM_RAS.map((r, i) => (i === 2 ? [0, 0, 4, -40] : r)) }),
    ext: '.nii.gz',
    sameGrid: true,
  },
  'NIfTI-2': { spec: base({ nifti2: true }), ext: '.nii.gz', sameGrid: true },
  'big-endian': { spec: base({ byteorder: '>' }), ext: '.nii.gz', sameGrid: true },
  'uncompressed .nii': { spec: base(), ext: '.nii', sameGrid: true },
  '4-D (first volume shown)': { spec: base({ shape: [...SHAPE, 3] }), ext: '.nii.gz', sameGrid: true },
  'oblique qform (15° about z)': { spec: base({ affine: rotZ(15, MNI_4MM_RAS), codes: { sform: 0, qform: 1 } }), ext: '.nii.gz', sameGrid: false },
  'no transform codes (pixdim)': { spec: base({ codes: { sform: 0, qform: 0 }, zooms: [4, 4, 4] }), ext: '.nii.gz', sameGrid: false },
};

const DTYPES: Record<string, VolumeSpec> = {
  float32: base(),
  float64: base({ dtype: 'float64' }),
  int8: base({ dtype: 'int8', background: 0, brain: { ...BRAIN, value: 1 }, blobs: [{ ...HOT, value: 120 }, { ...COLD, value: -100 }] }),
  int16: base({ dtype: 'int16', background: 0, brain: { ...BRAIN, value: 3 }, blobs: [{ ...HOT, value: 3000 }, { ...COLD, value: -2000 }] }),
  int32: base({ dtype: 'int32', background: 0, brain: { ...BRAIN, value: 3 }, blobs: [{ ...HOT, value: 300000 }, { ...COLD, value: -200000 }] }),
  uint8: base({ dtype: 'uint8', background: 0, brain: { ...BRAIN, value: 10 }, blobs: [{ ...HOT, value: 250 }] }),
  uint16: base({ dtype: 'uint16', background: 0, brain: { ...BRAIN, value: 10 }, blobs: [{ ...HOT, value: 60000 }] }),
  'int16 with scl_slope/scl_inter': base({ dtype: 'int16', background: 0, scaled: true }),
  'uint8 with scl_slope/scl_inter': base({ dtype: 'uint8', background: 0, scaled: true }),
};

/** World box of the voxels (outer edges), from nibabel's affine. */
function bounds(view: NibabelView): { min: number[]; max: number[] } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let c = 0; c < 8; c++) {
    const v = [c & 1 ? view.shape[0]! - 0.5 : -0.5, c & 2 ? view.shape[1]! - 0.5 : -0.5, c & 4 ? view.shape[2]! - 0.5 : -0.5];
    for (let i = 0; i < 3; i++) {
      const w = view.affine[i]![0]! * v[0]! + view.affine[i]![1]! * v[1]! + view.affine[i]![2]! * v[2]! + view.affine[i]![3]!;
      min[i] = Math.min(min[i]!, w);
      max[i] = Math.max(max[i]!, w);
    }
  }
  return { min, max };
}

const PANELS = [
  { h: 1, v: 2 }, // sagittal: y across, z up
  { h: 0, v: 2 }, // coronal: x across (left → right), z up
  { h: 0, v: 1 }, // axial: x across, y up
];

/** The second line (where the slices cut, the threshold) is grey, the rest white. */
const CUT_LINE_GREY = 190;

/** Whether `text`, drawn white (or `grey`) on black at (x, y) in the font of the pictures, is exactly what the PNG holds there. */
function textAt(png: PNG, x: number, y: number, text: string, grey = 255): boolean {
  const w = textWidth(text);
  const expected = { width: w, height: GLYPH_HEIGHT, data: new Uint8Array(w * GLYPH_HEIGHT * 3) };
  drawText(expected, 0, 0, text, [grey, grey, grey]);
  const [x0, y0] = [Math.round(x), Math.round(y)];
  for (let yy = 0; yy < GLYPH_HEIGHT; yy++) {
    for (let xx = 0; xx < w; xx++) {
      const o = ((y0 + yy) * png.width + x0 + xx) * 4;
      if (png.data[o] !== expected.data[(yy * w + xx) * 3]) return false;
    }
  }
  return true;
}

/** Whether `text` is written anywhere on the text line at `y` (lines start at the 2-character margin). */
function textInRow(png: PNG, y: number, text: string, grey = 255): boolean {
  for (let x = 2 * GLYPH_WIDTH; x + textWidth(text) <= png.width; x += GLYPH_WIDTH) if (textAt(png, x, y, text, grey)) return true;
  return false;
}

function assertAffineClose(actual: number[][], expected: number[][], what: string): void {
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      assert.ok(Math.abs(actual[i]![j]! - expected[i]![j]!) < 1e-4, `${what}: affine[${i}][${j}] ${actual[i]![j]} vs nibabel ${expected[i]![j]}`);
    }
  }
}

function assertSameData(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: voxel count`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${what}: voxel ${i} is ${a}, nibabel NaN`);
    else assert.ok(Math.abs(a - e) <= 1e-6 * Math.max(1, Math.abs(e)), `${what}: voxel ${i} is ${a}, nibabel ${e}`);
  }
}

describe('view', { skip: missing }, () => {
  let dir: string;
  const files: Record<string, string> = {};
  const truth: Record<string, NibabelView> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nv-view-'));
    const jobs: { key: string; spec: VolumeSpec; out: string }[] = [];
    Object.entries(VARIANTS).forEach(([name, v], i) => jobs.push({ key: name, spec: v.spec, out: join(dir, `variant-${i}${v.ext}`) }));
    Object.entries(DTYPES).forEach(([name, spec], i) => jobs.push({ key: `dtype ${name}`, spec, out: join(dir, `dtype-${i}.nii.gz`) }));
    writeVolumes(jobs.map(({ spec, out }) => ({ spec, out })), dir);
    const views = readVolumes(jobs.map((j) => j.out), dir);
    jobs.forEach((j, i) => {
      files[j.key] = j.out;
      truth[j.key] = views[i]!;
    });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Where a spec's world point lies in the file as nibabel reads it (the same unless the file has no transform codes). */
  const worldIn = (key: string, mm: number[]): number[] => {
    const spec = (VARIANTS[key]?.spec ?? DTYPES[key.replace(/^dtype /, '')])!;
    const a = spec.affine;
    // The spec affines are diagonal or a rotation about z times a diagonal: solve the 3x3 system directly.
    const det = a[0]![0]! * a[1]![1]! - a[0]![1]! * a[1]![0]!;
    const dx = mm[0]! - a[0]![3]!;
    const dy = mm[1]! - a[1]![3]!;
    const voxel = [(dx * a[1]![1]! - dy * a[0]![1]!) / det, (a[0]![0]! * dy - a[1]![0]! * dx) / det, (mm[2]! - a[2]![3]!) / a[2]![2]!];
    const f = truth[key]!.affine;
    return [0, 1, 2].map((i) => f[i]![0]! * voxel[0]! + f[i]![1]! * voxel[1]! + f[i]![2]! * voxel[2]! + f[i]![3]!);
  };

  const view = (args: string[], env: Record<string, string> = {}) => runCli(['view', ...args], { env: { COLUMNS: '80', ...env } });

  /** Runs `view --display blocks` and checks where the blobs land in each panel against nibabel's affine. */
  async function assertBlobsPlaced(key: string, columns: number, withCold: boolean): Promise<string[]> {
    const r = await view([files[key]!, '--display', 'blocks'], { COLUMNS: String(columns) });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').slice(0, -1);
    const sides = lines.at(-2)!;
    const marks = [...sides.matchAll(/[PALR]/g)].map((m) => m.index);
    assert.deepEqual([...sides.matchAll(/[PALR]/g)].map((m) => m[0]), ['P', 'A', 'L', 'R', 'L', 'R'], `sides line: ${sides}`);
    const labels = lines[2]!;
    const grid: Cell[][] = parseHalfBlocks(lines.slice(3, -2));
    const b = bounds(truth[key]!);
    const ext = (axis: number) => b.max[axis]! - b.min[axis]!;
    const scale = (marks[1]! - marks[0]! + 1) / ext(1);
    const pictureHeight = Math.max(...PANELS.map((p) => ext(p.v) * scale));
    PANELS.forEach((p, i) => {
      const left = marks[2 * i]!;
      const right = marks[2 * i + 1]! + 1;
      assert.equal(labels.indexOf('xyz'[i]! + '='), left, `the ${'xyz'[i]}= label starts its panel`);
      const top = (pictureHeight - ext(p.v) * scale) / 2;
      const expect = (mm: number[]) => ({
        x: left + ((mm[p.h]! - b.min[p.h]!) / ext(p.h)) * (right - left),
        y: top + (b.max[p.v]! - mm[p.v]!) * scale,
      });
      // The ^ under the panel marks where the other slices cut it: through the peak, the hot blob's centre.
      const tick = sides.indexOf('^', left);
      assert.ok(tick > left && tick < right, `${key}: a ^ under panel ${i}`);
      assert.ok(Math.abs(tick + 0.5 - expect(worldIn(key, HOT.mm)).x) <= 1.5, `${key}: ^ of panel ${i} at ${tick}`);
      const hot = centroid(grid, left, right, isHot);
      assert.ok(hot.n > 0, `${key}: no hot pixel in panel ${i}`);
      const want = expect(worldIn(key, HOT.mm));
      assert.ok(Math.abs(hot.x - want.x) <= 1.5, `${key}: panel ${i} hot blob at column ${hot.x}, expected ${want.x}`);
      assert.ok(Math.abs(hot.y - want.y) <= 2.5, `${key}: panel ${i} hot blob at pixel row ${hot.y}, expected ${want.y}`);
      if (withCold && i > 0) {
        const cold = centroid(grid, left, right, isCold);
        const wantCold = expect(worldIn(key, COLD.mm));
        assert.ok(cold.n > 0, `${key}: no cold pixel in panel ${i}`);
        assert.ok(Math.abs(cold.x - wantCold.x) <= 1.5, `${key}: panel ${i} cold blob at column ${cold.x}, expected ${wantCold.x}`);
        // Left/right: the positive blob (x = +40) is right of the negative one (x = -30).
        assert.ok(hot.x > cold.x, `${key}: panel ${i} shows the right hemisphere on the left`);
      }
    });
    return lines;
  }

  test('header, voxel values and the voxel→mm affine match nibabel for every variant and data type', async () => {
    for (const key of Object.keys(files)) {
      const volume = await readVolumeFile(files[key]!, never);
      const nb = truth[key]!;
      assert.deepEqual(volume.dims, nb.shape, `${key}: dims`);
      assertAffineClose(volume.affine, nb.affine, key);
      assertSameData(volume.data, nb.data, key);
      if (key.startsWith('dtype ')) assert.equal(volume.datatype, nb.dtype, `${key}: data type`);
    }
    assert.ok(truth['dtype int16 with scl_slope/scl_inter']!.slope !== 1, 'the scaled file really has a scl_slope');
  });

  test('the NIfTI files in test/fixtures read as nibabel reads them', async () => {
    const found: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else if (/\.nii(\.gz)?$/.test(e.name)) found.push(join(d, e.name));
      }
    };
    await walk(join(REPO_ROOT, 'test/fixtures'));
    assert.ok(found.filter((f) => f.includes('fixtures/nifti/')).length >= 4, `fixtures: ${found.join(', ')}`);
    const views = readVolumes(found, dir);
    for (const [i, file] of found.entries()) {
      const name = relative(REPO_ROOT, file);
      if (views[i]!.error !== undefined) {
        // A deliberately broken fixture (another suite's): what nibabel cannot read, view refuses.
        const r = await view([file]);
        assert.equal(r.code, 2, `${name}: nibabel says ${views[i]!.error}; view: ${r.stderr}`);
        continue;
      }
      const volume = await readVolumeFile(file, never);
      assert.deepEqual(volume.dims, views[i]!.shape, `${name}: dims`);
      assert.equal(volume.datatype, views[i]!.dtype, `${name}: data type`);
      assertAffineClose(volume.affine, views[i]!.affine, name);
      assertSameData(volume.data, views[i]!.data, name);
      const r = await view([file, '--display', 'ascii']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, /[+*#@]/, `${name}: something is drawn`);
    }
  });

  test('blobs appear where the affine puts them, right hemisphere on the right, in every orientation', async () => {
    const pictures = new Map<string, string>();
    for (const [key, v] of Object.entries(VARIANTS)) {
      const lines = await assertBlobsPlaced(key, 80, true);
      if (v.sameGrid) pictures.set(key, lines.slice(2).join('\n'));
    }
    // Files holding the same world content on the same grid draw the same picture, whatever their storage order.
    const [first, ...rest] = [...pictures.entries()];
    for (const [key, picture] of rest) assert.equal(picture, first![1], `${key} draws the same picture as ${first![0]}`);
  });

  test('every data type draws its blob in place; wider terminals too', async () => {
    for (const name of Object.keys(DTYPES)) {
      await assertBlobsPlaced(`dtype ${name}`, 80, !name.startsWith('uint') && !name.includes('scl'));
    }
    await assertBlobsPlaced('sform LAS', 160, true);
  });

  test('-o json: the cut voxel, its mm and value agree with nibabel', async () => {
    const key = 'sform RAS';
    const nb = truth[key]!;
    const r = await view([files[key]!, '--cut', '41,-19,29', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { cut: { voxel: number[]; mm: number[]; value: number }; peak: { mm: number[]; value: number } };
    // nibabel's inverse affine, by hand for this axis-aligned RAS grid: (mm - offset) / 4, rounded.
    const voxel = [41, -19, 29].map((mm, i) => Math.round((mm - nb.affine[i]![3]!) / nb.affine[i]![i]!));
    assert.deepEqual(out.cut.voxel, voxel);
    assert.deepEqual(out.cut.mm, voxel.map((v, i) => v * nb.affine[i]![i]! + nb.affine[i]![3]!));
    const [nx, ny] = nb.shape as [number, number];
    assert.equal(out.cut.value, nb.data[voxel[0]! + nx * (voxel[1]! + ny * voxel[2]!)]);
    assert.equal(out.peak.value, Math.max(...nb.data.filter((v) => !Number.isNaN(v))));
  });

  test('--png writes the same picture: the decoded pixels hold the blobs where the affine puts them', async () => {
    for (const key of ['sform LAS', 'sform RAS', 'oblique qform (15° about z)']) {
      const out = join(dir, `view-${key.replace(/\W+/g, '_')}.png`);
      const r = await view([files[key]!, '--png', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      const png = PNG.sync.read(await readFile(out));
      // Documented geometry (figure.ts): 4 pixels a voxel kept between 1000 and 2000 pixels across; panels
      // 8 mm (at least 5 characters) apart, 2 characters of margin, three lines and a half of text above.
      const b = bounds(truth[key]!);
      const ext = (axis: number) => b.max[axis]! - b.min[axis]!;
      const total = ext(1) + 2 * ext(0);
      const scale = Math.min(Math.max(4 / 4, 1000 / total), 2000 / total);
      const gap = Math.max(Math.round(8 * scale), 5 * GLYPH_WIDTH);
      const margin = 2 * GLYPH_WIDTH;
      const top = 4 * GLYPH_HEIGHT + 1;
      const widths = PANELS.map((p) => Math.round(ext(p.h) * scale));
      const heights = PANELS.map((p) => Math.round(ext(p.v) * scale));
      assert.equal(png.width, widths[0]! + widths[1]! + widths[2]! + 2 * gap + 2 * margin);
      const pixel = (x: number, y: number): Cell => {
        const o = (Math.floor(y) * png.width + Math.floor(x)) * 4;
        return [png.data[o]!, png.data[o + 1]!, png.data[o + 2]!];
      };
      let left = margin;
      for (const [i, p] of PANELS.entries()) {
        const panelTop = top + Math.floor((Math.max(...heights) - heights[i]!) / 2);
        const at = (mm: number[]) => pixel(left + (mm[p.h]! - b.min[p.h]!) * scale, panelTop + (b.max[p.v]! - mm[p.v]!) * scale);
        assert.ok(isHot(at(HOT.mm)), `${key}: PNG panel ${i} at the hot blob is ${String(at(HOT.mm))}`);
        if (i > 0) {
          const mirrored = [-HOT.mm[0]!, HOT.mm[1]!, HOT.mm[2]!];
          assert.ok(!isHot(at(mirrored)), `${key}: PNG panel ${i} is mirrored`);
          // 4 mm off the cross-hair that runs through both blobs' plane
          const cold = COLD.mm.map((v, axis) => (axis === p.v ? v + 4 : v));
          assert.ok(isCold(at(cold)), `${key}: PNG panel ${i} at the cold blob is ${String(at(cold))}`);
        }
        // The sides, in the gaps at mid-height: P|A for the sagittal slice, L|R (neurological) for the others.
        const middle = panelTop + heights[i]! / 2 - GLYPH_HEIGHT / 2;
        const sides = i === 0 ? ['P', 'A'] : ['L', 'R'];
        assert.ok(textAt(png, left - GLYPH_WIDTH - Math.round(GLYPH_WIDTH / 2), middle, sides[0]!), `${key}: ${sides[0]} left of panel ${i}`);
        assert.ok(textAt(png, left + widths[i]! + Math.round(GLYPH_WIDTH / 2), middle, sides[1]!), `${key}: ${sides[1]} right of panel ${i}`);
        const [above, below] = i === 2 ? ['A', 'P'] : ['S', 'I'];
        assert.ok(textAt(png, left + widths[i]! / 2 - GLYPH_WIDTH / 2, top - GLYPH_HEIGHT, above), `${key}: ${above} above panel ${i}`);
        assert.ok(textAt(png, left + widths[i]! / 2 - GLYPH_WIDTH / 2, top + Math.max(...heights), below), `${key}: ${below} below panel ${i}`);
        left += widths[i]! + gap;
      }
      if (key === 'sform LAS') {
        // The title, the cut, the slice coordinates, and numbers on the colour bar's ends.
        assert.ok(textAt(png, margin, 9, basename(files[key]!)), 'title');
        const facts = JSON.parse((await view([files[key]!, '-o', 'json'])).stdout) as { cut: { mm: number[] }; vmax: number };
        const peak = facts.cut.mm;
        assert.ok(textAt(png, margin, 9 + GLYPH_HEIGHT, 'slices through the peak, ', CUT_LINE_GREY), 'cut line');
        assert.ok(textInRow(png, 9 + GLYPH_HEIGHT, `(${peak.join(', ')}) mm   no threshold`, CUT_LINE_GREY), 'the cut in mm, and no threshold');
        assert.ok(textAt(png, margin, top - GLYPH_HEIGHT, `x=${peak[0]}`), 'x= above the sagittal slice');
        const bottom = png.height - Math.round(GLYPH_HEIGHT / 2) - GLYPH_HEIGHT;
        const barLeft = Math.floor((png.width - Math.round((png.width - 2 * margin) / 2)) / 2);
        const low = `-${Number(facts.vmax.toPrecision(4))}`;
        assert.ok(textAt(png, barLeft - textWidth(low) / 2, bottom, low), `the low end of the colour bar is numbered ${low}`);
      }
    }
  });

  test('--png - writes the PNG to stdout (not to a file named -); a threshold is written on the picture', async () => {
    const file = files['sform LAS']!;
    const r = await runCli(['view', file, '--png', '-', '--threshold', '2'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const png = PNG.sync.read(r.stdoutBytes);
    assert.ok(png.width >= 1000);
    await assert.rejects(stat(join(dir, '-')), 'no file named -');
    assert.ok(textInRow(png, 9 + GLYPH_HEIGHT, '   threshold |v| > 2   ', CUT_LINE_GREY));
    const both = await runCli(['view', file, '--png', '-', '-o', 'json']);
    assert.equal(both.code, 2);
  });

  test('kitty and iTerm2 inline images carry the same PNG; auto picks them only on a terminal that says so', async () => {
    const file = files['sform LAS']!;
    const png = join(dir, 'same.png');
    await view([file, '--png', png]);
    const expected = await readFile(png);
    const kitty = await view([file, '--display', 'kitty']);
    const chunks = [...kitty.stdout.matchAll(/\x1b_G([^;]*);([^\x1b]*)\x1b\\/g)];
    assert.match(chunks[0]![1]!, /a=T,f=100/);
    assert.equal(chunks.at(-1)![1], 'm=0');
    assert.deepEqual(PNG.sync.read(Buffer.from(chunks.map((c) => c[2]).join(''), 'base64')).data, PNG.sync.read(expected).data);
    const iterm = await view([file, '--display', 'iterm']);
    const m = /\x1b\]1337;File=inline=1;size=(\d+);[^:]*:([A-Za-z0-9+/=]+)\x07/.exec(iterm.stdout);
    assert.ok(m, 'an iTerm2 image sequence');
    assert.equal(Buffer.from(m[2]!, 'base64').length, Number(m[1]));
    assert.deepEqual(PNG.sync.read(Buffer.from(m[2]!, 'base64')).data, PNG.sync.read(expected).data);
    // Off a terminal, auto never sends image escapes, whatever TERM says, nor colour (`view | cat`).
    const piped = await view([file], { TERM: 'xterm-kitty', KITTY_WINDOW_ID: '1', TERM_PROGRAM: 'iTerm.app' });
    assert.doesNotMatch(piped.stdout, /\x1b/);
    assert.match(piped.stdout, /[+*#@]/);
    const asked = await view([file, '--display', 'blocks']);
    assert.match(asked.stdout, /\x1b\[38;2;.*[▀▄]/, '--display blocks: colour on request');
  });

  test('auto: an image protocol only on a terminal that announces it, never through tmux or screen', () => {
    const cases: [NodeJS.ProcessEnv, boolean, boolean, string][] = [
      [{ TERM: 'xterm-kitty' }, true, true, 'kitty'],
      [{ TERM: 'xterm-256color', KITTY_WINDOW_ID: '3' }, true, true, 'kitty'],
      [{ TERM_PROGRAM: 'iTerm.app' }, true, true, 'iterm'],
      [{ TERM_PROGRAM: 'WezTerm' }, true, true, 'iterm'],
      [{ TERM: 'xterm-kitty' }, false, true, 'ascii'],
      [{ TERM: 'xterm-256color' }, false, true, 'ascii'],
      [{ TERM: 'tmux-256color', KITTY_WINDOW_ID: '3' }, true, true, 'blocks'],
      [{ TERM: 'xterm-kitty', TMUX: '/tmp/tmux-0/default,1,0' }, true, true, 'blocks'],
      [{ TERM_PROGRAM: 'iTerm.app', STY: '1.pts-0' }, true, true, 'blocks'],
      [{ TERM: 'xterm-256color' }, true, true, 'blocks'],
      [{ TERM: 'xterm-kitty' }, true, false, 'ascii'],
    ];
    for (const [env, tty, colour, want] of cases) assert.equal(chooseDisplay(env, tty, colour), want, JSON.stringify({ env, tty, colour }));
  });

  test('NO_COLOR and --no-color draw plain characters: no escape sequence', async () => {
    for (const [args, env] of [[[], { NO_COLOR: '1' }], [['--no-color'], {}]] as const) {
      const r = await view([files['sform LAS']!, '--threshold', '2', ...args], env);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /\x1b/);
      assert.match(r.stdout, /@/);
      assert.match(r.stdout, /%/);
      assert.match(r.stdout, /\|v\| > 2/);
    }
  });

  test('Ctrl-C: reading, the peak search and drawing each stop on an aborted signal', async () => {
    const volume = await readVolumeFile(files['sform LAS']!, never);
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    await assert.rejects(readVolumeFile(files['sform LAS']!, stop.signal), /stopped/);
    await assert.rejects(readVolumeFile(files['uncompressed .nii']!, stop.signal), /stopped/);
    await assert.rejects(volumeStats(volume, stop.signal), /stopped/);
    await assert.rejects(renderPicture(volume, [0, 0, 0], { scaleX: 1, scaleY: 1, gap: 4 }, stop.signal), /stopped/);
  });

  test('bad input: one line, exit 2, nothing on stdout', async () => {
    const rgb = join(dir, 'rgb.nii');
    const header = Buffer.alloc(352);
    header.writeInt32LE(348, 0);
    header.writeInt16LE(3, 40);
    for (let i = 1; i <= 3; i++) header.writeInt16LE(2, 40 + 2 * i);
    header.writeInt16LE(128, 70);
    header.writeInt16LE(24, 72);
    header.writeFloatLE(352, 108);
    header.write('n+1\0', 344, 'latin1');
    await writeFile(rgb, Buffer.concat([header, Buffer.alloc(8 * 3)]));
    const short = join(dir, 'short.nii');
    await writeFile(short, (await readFile(files['uncompressed .nii']!)).subarray(0, 5000));
    const cases: [string[], RegExp][] = [
      [[files['sform LAS']!, '--cut', '1,2'], /invalid --cut "1,2"/],
      [[files['sform LAS']!, '--cut', '400,0,0'], /--cut 400,0,0 mm is outside the image/],
      [[files['sform LAS']!, '--threshold', '-1'], /invalid --threshold/],
      [[files['sform LAS']!, '--display', 'sixel'], /invalid --display/],
      [[files['sform LAS']!, '--json', 'dims,nosuchfact'], /unknown field "nosuchfact" in --json/],
      [[join(REPO_ROOT, 'package.json')], /not a NIfTI-1 or NIfTI-2 file/],
      [[rgb], /RGB.*not a scalar map type/],
      [[short], /shorter than its header says/],
      [['no/such/file.nii.gz'], /no such file, and not an image id/],
    ];
    for (const [args, message] of cases) {
      const r = await view(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /^neurovault: /);
      assert.equal(r.stdout, '');
    }
  });

  describe('an image ref is fetched, verified, into the cache', () => {
    let nv: Standin;
    let cache: string;
    let imageId: number;
    before(async () => {
      nv = await startStandin({ collections: 2 });
      cache = await mkdtemp(join(tmpdir(), 'nv-view-cache-'));
      const bytes = await readFile(files['sform LAS']!);
      const c = nv.store.addCollection({ name: 'view test' });
      // A name with an escape sequence: the terminal must never receive it.
      imageId = nv.store.addImage(c, { map_type: 'T map', name: 'tstat1\u001b]0;pwned\u0007' }, {
        fields: [],
        file: { field: 'file', filename: 'tstat1.nii.gz', contentType: 'application/octet-stream', size: bytes.length },
        bytes,
      }).id;
    });
    after(async () => {
      await nv.close();
      await rm(cache, { recursive: true, force: true });
    });
    const cli = (args: string[]) =>
      runCli(['--base-url', nv.url, 'view', ...args], { env: { XDG_CACHE_HOME: cache, COLUMNS: '80' } });
    const fileGets = () => nv.requests.filter((r) => r.path.startsWith('/media/images/'));

    test('the first view downloads into $XDG_CACHE_HOME/neurovault-cli, a second one re-verifies without a file request', async () => {
      const r = await cli([String(imageId), '--display', 'ascii', '--threshold', '2']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`image ${imageId} "tstat1\\x1b]0;pwned\\x07" (T map)`), r.stdout.split('\n')[0]);
      assert.doesNotMatch(r.stdout, /\x1b/);
      assert.match(r.stdout, /@/);
      assert.equal(fileGets().length, 1);
      const root = join(cache, 'neurovault-cli', 'images');
      const [server] = await readdir(root);
      const manifest = (await readFile(join(root, server!, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: number; path: string });
      assert.deepEqual(manifest.map((e) => e.id), [imageId]);
      assert.deepEqual(await readFile(join(root, server!, manifest[0]!.path)), await readFile(files['sform LAS']!));
      const again = await cli([`image:${imageId}`, '-o', 'json']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(fileGets().length, 1, 'no second file request');
      assert.equal((JSON.parse(again.stdout) as { colour_map: string }).colour_map, 'cold_hot');
    });

    test('a file that fails its checks is not kept, and view fails', async () => {
      const c = nv.store.addCollection({ name: 'broken' });
      const id = nv.store.addImage(c, { $file: 'html' }).id;
      const r = await cli([String(id)]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`image ${id}`));
      assert.equal(r.stdout, '');
      const root = join(cache, 'neurovault-cli', 'images');
      const [server] = await readdir(root);
      await assert.rejects(stat(join(root, server!, `collection_${c.id}`, `image_${id}.nii.gz`)));
    });

    test('an image the server does not have: exit 4', async () => {
      const r = await cli(['99999999']);
      assert.equal(r.code, 4, r.stderr);
    });
  });
});
