import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Context } from '../context.js';
import { silentProgress } from '../../download/progress.js';
import { UsageError } from '../../errors.js';
import { tryImageRef, type ImageRef } from '../../api/refs.js';
import type { Vec3 } from '../../view/affine.js';
import { DISPLAYS, chooseDisplay, terminalColumns, type Display } from '../../view/terminal.js';
import { writeFileAtomic } from '../../util/write-file-atomic.js';
import { checkOutputFile } from '../../util/output-path.js';
import { readVolumeFile } from '../../view/volume.js';
import { volumeStats } from '../../view/stats.js';
import { buildModel, describe } from '../../view/model.js';
import * as compose from '../../view/compose.js';
import { pngOf } from '../../view/render-png.js';
import { terminalLine } from '../../util/terminal-text.js';
import { Output } from '../../output/format.js';
import type { RecordShape } from '../../output/presenter.js';
import { presenterFor } from '../present.js';

export interface ViewFlags {
  cut?: string;
  threshold?: string;
  png?: string;
  display?: string;
}

/** NeuroVault map types drawn with the diverging colour map even when they hold no negative value. */
const STATISTIC_MAP = /^(t|z|f|chi squared) map$/i;
const VIEWED: RecordShape = {
  noun: ['map', 'maps'],
  defaults: [],
  declared: ['file', 'title', 'format', 'dims', 'volumes', 'datatype', 'affine', 'affine_source', 'space', 'min', 'max', 'peak', 'cut', 'threshold', 'vmax', 'colour_map'],
};

interface Settings {
  cut?: Vec3;
  threshold: number;
  display: Display;
  png?: string;
}

function parseSettings(flags: ViewFlags, colour: boolean, ctx: Context): Settings {
  let cut: Vec3 | undefined;
  if (flags.cut !== undefined) {
    const parts = flags.cut.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.length !== 3 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
      throw new UsageError(`invalid --cut "${flags.cut}": three numbers in mm, x,y,z (e.g. --cut -42,-58,48)`);
    }
    cut = nums as Vec3;
  }
  let threshold = 0;
  if (flags.threshold !== undefined) {
    threshold = Number(flags.threshold);
    if (flags.threshold.trim() === '' || !Number.isFinite(threshold) || threshold < 0) {
      throw new UsageError(`invalid --threshold "${flags.threshold}": a number ≥ 0 (|value| above it is coloured)`);
    }
  }
  const mode = (flags.display ?? 'auto').toLowerCase();
  if (!(DISPLAYS as readonly string[]).includes(mode)) {
    throw new UsageError(`invalid --display "${flags.display}": use ${DISPLAYS.join(', ')}`);
  }
  if (flags.png !== undefined && flags.png.trim() === '') throw new UsageError('--png needs a file name (or - for stdout)');
  const g = ctx.globals;
  if (flags.png === '-') {
    if (ctx.io.stdoutIsTTY) throw new UsageError('--png - writes a PNG to stdout, which is a terminal', { hint: 'pipe it (--png - | display) or give a file name' });
    if (g.outputExplicit) throw new UsageError(`--png - and -o ${g.output} would both write to stdout`);
  }
  // Colour follows stdout here (the picture is data), so NO_COLOR, TERM=dumb and --no-color are read
  // directly rather than through the global colour setting, which follows stderr.
  const allowed = colour && ctx.env.NO_COLOR === undefined && ctx.env.TERM !== 'dumb';
  const display = mode === 'auto' ? chooseDisplay(ctx.env, ctx.io.stdoutIsTTY, allowed) : (mode as Display);
  return { cut, threshold, display, png: flags.png };
}

/** A file that exists is read as it is; anything else must name a NeuroVault image. */
async function resolveSource(input: string): Promise<{ file: string } | { ref: ImageRef }> {
  const st = await stat(input).catch(() => undefined);
  if (st?.isFile()) return { file: input };
  if (st?.isDirectory()) throw new UsageError(`${input} is a folder; view takes one .nii or .nii.gz file`);
  const ref = tryImageRef(input.replace(/^image:/i, ''));
  if (ref) return { ref };
  throw new UsageError(`${input}: no such file, and not an image id, TOKEN-id or image URL`, {
    hint: 'view takes a .nii/.nii.gz file or a NeuroVault image (e.g. 396069 or https://neurovault.org/images/396069/)',
  });
}

export async function runView(input: string, flags: ViewFlags, colour: boolean, ctx: Context): Promise<void> {
  const present = presenterFor(ctx);
  present.checkKnown(VIEWED);
  const settings = parseSettings(flags, colour, ctx);
  if (settings.png !== undefined && settings.png !== '-') await checkOutputFile(settings.png, '--png');
  const source = await resolveSource(input);
  let file: string;
  let title: string;
  let statistic = false;
  if ('file' in source) {
    file = source.file;
    title = terminalLine(basename(file));
  } else {
    const [{ fetchToCache, imageCacheDir }, { barProgress }, api] = await Promise.all([import('../../view/cache.js'), import('../../output/download-bar.js'), ctx.api()]);
    const cached = await fetchToCache(source.ref, input, {
      client: api,
      root: imageCacheDir(ctx.env, api.baseUrl),
      signal: ctx.signal,
      retries: ctx.globals.retries,
      retryBaseMs: ctx.retryBaseMs,
      progress: (expect) => (ctx.globals.progress ? barProgress(ctx, { label: 'downloading', ...expect }) : silentProgress((line) => ctx.printLine(line))),
    });
    file = cached.path;
    const m = cached.metadata;
    const mapType = typeof m.map_type === 'string' ? m.map_type : '';
    statistic = STATISTIC_MAP.test(mapType);
    const name = typeof m.name === 'string' && m.name !== '' ? ` "${m.name}"` : '';
    title = terminalLine(`image ${String(m.id)}${name}${mapType ? ` (${mapType})` : ''}`);
  }

  const volume = await readVolumeFile(file, ctx.signal);
  const stats = await volumeStats(volume, ctx.signal);
  const model = buildModel(volume, stats, { title, cut: settings.cut, threshold: settings.threshold, statistic });
  const g = ctx.globals;

  if (settings.png !== undefined) {
    const image = await pngOf(model, title, ctx.signal);
    if (settings.png === '-') {
      const out = new Output(ctx.io.stdout);
      if (await out.write(image.png)) await out.flush();
      return;
    }
    await writeFileAtomic(settings.png, image.png);
    if (!g.quiet) ctx.warn(`wrote ${settings.png} (${image.width}×${image.height} pixels)`);
  }
  if (g.outputExplicit) return present.result({ file, ...describe(model) }, VIEWED);
  if (settings.png !== undefined) return;

  const columns = terminalColumns(ctx.io.stdout, ctx.env);
  if (settings.display === 'kitty' || settings.display === 'iterm') {
    ctx.io.stdout.write(await compose.inlineImageView(model, settings.display, columns, ctx.signal));
    return;
  }
  const rows = ctx.io.stdoutIsTTY ? (ctx.io.stdout as { rows?: number }).rows : undefined;
  ctx.io.stdout.write(await compose.textView(model, { display: settings.display, columns, rows, signal: ctx.signal }));
}
