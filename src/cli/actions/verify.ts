import type { Context } from '../context.js';
import { CliError, ExitCode, UsageError } from '../../errors.js';
import { stat } from 'node:fs/promises';
import { MANIFEST_FILE, isInsidePath } from '../../download/layout.js';
import { RefusedPath } from '../../download/sink.js';
import { parseManifest, type ManifestEntry } from '../../download/manifest.js';
import { openSink } from '../../download/open-sink.js';
import { barProgress, silentProgress } from '../../download/progress.js';
import { counted, formatBytes, formatCount, formatSeconds } from '../../output/units.js';
import type { RecordShape } from '../../output/presenter.js';
import { presenterFor } from '../present.js';

const VERIFIED: RecordShape = { noun: ['check', 'checks'], defaults: [], declared: ['dir', 'checked', 'ok', 'mismatches'] };

/** Files hashed at once: enough to keep a disk busy, few enough not to thrash a spinning one. */
const VERIFY_CONCURRENCY = 4;

interface Mismatch {
  id: number;
  path: string;
  /** `refused`: not opened (outside the folder, not a regular file); `reason` says which. */
  problem: 'missing' | 'size' | 'sha256' | 'refused';
  reason?: string;
  expected_bytes: number;
  actual_bytes: number | null;
  expected_sha256: string;
  actual_sha256: string | null;
}

/** `verify [dir]`: a full re-hash of every manifest entry, never trusting sizes or times. */
export async function runVerify(dir: string, ctx: Context): Promise<void> {
  const present = presenterFor(ctx);
  present.checkKnown(VERIFIED);
  if (!/^s3:\/\//i.test(dir) && !(await stat(dir).then((st) => st.isDirectory(), () => false))) {
    throw new UsageError(`no such folder ${dir}`, { hint: 'verify checks a folder written by "neurovault download"' });
  }
  const sink = await openSink(dir, ctx);
  const started = Date.now();
  const g = ctx.globals;
  try {
    const text = await sink.readText(MANIFEST_FILE);
    if (text === undefined) {
      throw new UsageError(`no ${MANIFEST_FILE} in ${sink.location}`, { hint: 'verify checks a folder written by "neurovault download"' });
    }
    const { entries, badLines } = parseManifest(text);
    if (badLines > 0) ctx.warn(`${MANIFEST_FILE}: ignored ${counted(badLines, 'line')} that are not entries`);
    const list = [...entries.values()];
    let progress = silentProgress(ctx.io);
    if (g.progress) {
      const total = list.reduce((n, e) => n + e.bytes, 0);
      ctx.warn(`verifying ${counted(list.length, 'file')}, ${formatBytes(total)}, in ${sink.location} against ${MANIFEST_FILE}`);
      progress = barProgress(ctx, { label: 'verifying', files: list.length, bytes: total });
    }
    const mismatches: Mismatch[] = [];
    let bytes = 0;
    let next = 0;
    const check = async (e: ManifestEntry): Promise<void> => {
      const base = { id: e.id, path: e.path, expected_bytes: e.bytes, expected_sha256: e.sha256 };
      let found: Awaited<ReturnType<typeof sink.digest>>;
      try {
        if (!isInsidePath(e.path)) throw new RefusedPath(e.path, 'outside the folder');
        found = await sink.digest(e.path, ctx.signal);
      } catch (err) {
        if (!(err instanceof RefusedPath)) throw err;
        mismatches.push({ ...base, actual_bytes: null, actual_sha256: null, problem: 'refused', reason: err.why });
        progress.file('failed');
        return;
      }
      const actual = { actual_bytes: found?.bytes ?? null, actual_sha256: found?.sha256 ?? null };
      if (!found) mismatches.push({ ...base, ...actual, problem: 'missing' });
      else if (found.bytes !== e.bytes) mismatches.push({ ...base, ...actual, problem: 'size' });
      else if (found.sha256 !== e.sha256) mismatches.push({ ...base, ...actual, problem: 'sha256' });
      bytes += found?.bytes ?? 0;
      progress.bytes(found?.bytes ?? 0);
      progress.file(found && found.sha256 === e.sha256 ? 'fetched' : 'failed');
    };
    try {
      await Promise.all(
        Array.from({ length: Math.min(VERIFY_CONCURRENCY, list.length) }, async () => {
          for (let e = list[next++]; e !== undefined && !ctx.signal.aborted; e = list[next++]) await check(e);
        }),
      );
    } finally {
      progress.stop();
    }
    if (ctx.signal.aborted) throw ctx.signal.reason;

    mismatches.sort((a, b) => a.id - b.id);
    for (const m of mismatches) ctx.warn(`${m.path} (image ${m.id}): ${describe(m)}`);
    if (!g.quiet) ctx.warn(summaryLine(list.length, mismatches, `${formatBytes(bytes)} in ${formatSeconds(Date.now() - started)}`));
    await present.result({ dir: sink.location, checked: list.length, ok: list.length - mismatches.length, mismatches }, VERIFIED);
    if (mismatches.length) {
      throw new CliError(`${formatCount(mismatches.length)} of ${counted(list.length, 'file')} missing or not as ${MANIFEST_FILE} says`, {
        exitCode: ExitCode.integrity,
        hint: repairHint(mismatches, dir),
      });
    }
  } finally {
    await sink.close?.();
  }
}

/** "checked 60 files, 1.2 MiB in 0.4 s: 58 ok, 1 mismatched, 1 missing": a missing file is not "verified". */
function summaryLine(checked: number, mismatches: Mismatch[], took: string): string {
  const by = (p: Mismatch['problem'][]) => mismatches.filter((m) => p.includes(m.problem)).length;
  const parts = [`${formatCount(checked - mismatches.length)} ok`, `${formatCount(by(['size', 'sha256']))} mismatched`];
  if (by(['missing'])) parts.push(`${formatCount(by(['missing']))} missing`);
  if (by(['refused'])) parts.push(`${formatCount(by(['refused']))} not checked`);
  return `checked ${counted(checked, 'file')}, ${took}: ${parts.join(', ')}`;
}

/** How to put it right: download fetches again what is missing or corrupt (it re-hashes what it finds). */
function repairHint(mismatches: Mismatch[], dir: string): string {
  const ids = [...new Set(mismatches.filter((m) => m.problem !== 'refused').map((m) => m.id))];
  const out = /\s/.test(dir) ? `'${dir}'` : dir;
  if (ids.length === 0) return 'files outside the folder, or not regular files, are never opened';
  if (ids.length <= 5) return `run neurovault download ${ids.map((id) => `image:${id}`).join(' ')} --out ${out} to repair`;
  return `run the download that made this folder again (same refs, --out ${out}) to repair: it fetches what is missing or corrupt`;
}

function describe(m: Mismatch): string {
  if (m.problem === 'missing') return 'missing';
  if (m.problem === 'refused') return `not checked: ${m.reason ?? 'refused'}`;
  if (m.problem === 'size') return `${m.actual_bytes} bytes, the manifest says ${m.expected_bytes}`;
  return `sha256 ${m.actual_sha256}, the manifest says ${m.expected_sha256}`;
}
