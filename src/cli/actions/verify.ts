import type { Context } from '../context.js';
import { ExitCode, PartialFailureError, UsageError } from '../../errors.js';
import { MANIFEST_FILE, isInsidePath } from '../../download/layout.js';
import { RefusedPath } from '../../download/sink.js';
import { parseManifest, type ManifestEntry } from '../../download/manifest.js';
import { openSink } from '../../download/open-sink.js';
import { barProgress, silentProgress } from '../../download/progress.js';
import { formatBytes, formatSeconds } from '../../output/units.js';
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
  const sink = await openSink(dir, ctx);
  const started = Date.now();
  const g = ctx.globals;
  try {
    const text = await sink.readText(MANIFEST_FILE);
    if (text === undefined) {
      throw new UsageError(`no ${MANIFEST_FILE} in ${sink.location}`, { hint: 'verify checks a folder written by "neurovault download"' });
    }
    const { entries, badLines } = parseManifest(text);
    if (badLines > 0) ctx.warn(`${MANIFEST_FILE}: ignored ${badLines} line(s) that are not entries`);
    const list = [...entries.values()];
    let progress = silentProgress(ctx.io);
    if (g.progress) {
      const total = list.reduce((n, e) => n + e.bytes, 0);
      ctx.warn(`verifying ${list.length} file(s), ${formatBytes(total)}, in ${sink.location} against ${MANIFEST_FILE}`);
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
    if (!g.quiet) {
      const took = `${formatBytes(bytes)} in ${formatSeconds(Date.now() - started)}`;
      ctx.warn(`verified ${list.length} file(s), ${took}: ${list.length - mismatches.length} ok, ${mismatches.length} mismatched`);
    }
    await present.result({ dir: sink.location, checked: list.length, ok: list.length - mismatches.length, mismatches }, VERIFIED);
    if (mismatches.length) {
      throw new PartialFailureError(`${mismatches.length} of ${list.length} file(s) do not match ${MANIFEST_FILE}`, ExitCode.integrity);
    }
  } finally {
    await sink.close?.();
  }
}

function describe(m: Mismatch): string {
  if (m.problem === 'missing') return 'missing';
  if (m.problem === 'refused') return `not checked: ${m.reason ?? 'refused'}`;
  if (m.problem === 'size') return `${m.actual_bytes} bytes, the manifest says ${m.expected_bytes}`;
  return `sha256 ${m.actual_sha256}, the manifest says ${m.expected_sha256}`;
}
