import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandin, type Standin } from './standin/server.js';
import { runCli } from './helpers/run-cli.js';
import { nibabelMissing, readVolumes } from './helpers/nibabel.js';

const missing = nibabelMissing();
const MNI_2MM = [[-2, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72], [0, 0, 0, 1]];

describe('the stand-in serves statistical maps on the MNI 2 mm grid (image 396069, the README example)', () => {
  let nv: Standin;
  let work: string;
  before(async () => {
    nv = await startStandin({ collections: 2 });
    work = await mkdtemp(join(tmpdir(), 'nv-maps-'));
  });
  after(async () => {
    await nv.close();
    await rm(work, { recursive: true, force: true });
  });

  test('nibabel reads 396069 as a float32 91×109×91 T map with the MNI affine, its peak in the right DLPFC', { skip: missing }, async () => {
    const image = nv.image(396069) as { file: string; file_size: number; map_type: string };
    assert.equal(image.map_type, 'T map');
    const body = Buffer.from(await (await fetch(image.file)).arrayBuffer());
    assert.equal(body.length, image.file_size, 'file_size is the served size');
    assert.ok(body.length < 1_000_000, `small enough for tests: ${body.length}`);
    const file = join(work, '396069.nii.gz');
    await writeFile(file, body);
    const [nib] = readVolumes([file], work);
    assert.equal(nib!.error, undefined);
    assert.deepEqual(nib!.shape, [91, 109, 91]);
    assert.equal(nib!.dtype, 'float32');
    assert.deepEqual(nib!.affine, MNI_2MM);
    assert.equal(nib!.sform_code, 4);
    assert.equal(nib!.qform_code, 4);
    let peak = 0;
    nib!.data.forEach((v, i) => (v > nib!.data[peak]! ? (peak = i) : 0));
    const voxel = [peak % 91, Math.floor(peak / 91) % 109, Math.floor(peak / 91 / 109)];
    assert.deepEqual(voxel.map((v, a) => MNI_2MM[a]![a]! * v + MNI_2MM[a]![3]!), [44, 34, 30]);
    assert.ok(nib!.data.some((v) => v < -3), 'a deactivation too');
  });

  test('view 396069 works offline: peak at (44, 34, 30) mm, MNI space, cold_hot', async () => {
    const r = await runCli(['--base-url', nv.url, 'view', '396069', '-o', 'json'], { env: { XDG_CACHE_HOME: work } });
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { dims: number[]; datatype: string; space: string; peak: { mm: number[] }; colour_map: string };
    assert.deepEqual(d.dims, [91, 109, 91]);
    assert.equal(d.datatype, 'float32');
    assert.equal(d.space, 'MNI');
    assert.deepEqual(d.peak.mm, [44, 34, 30]);
    assert.equal(d.colour_map, 'cold_hot');
  });
});
