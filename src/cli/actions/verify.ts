import type { Context } from '../context.js';
import { ExitCode, PartialFailureError } from '../../errors.js';
import { MANIFEST_FILE } from '../../download/layout.js';
import { verifyDownload, type Mismatch, type VerifyEvent } from '../../download/verify.js';
import { barProgress, type DownloadBar } from '../../output/download-bar.js';
import { formatBytes, formatSeconds } from '../../output/units.js';
import { s3SessionOptions } from '../s3-session.js';
import type { RecordShape } from '../../output/presenter.js';
import { presenterFor } from '../present.js';

const VERIFIED: RecordShape = { noun: ['check', 'checks'], defaults: [], declared: ['dir', 'checked', 'ok', 'mismatches'] };

/** `verify [dir]`: the library re-hashes; mismatches and the summary go to stderr, `-o json` to stdout. */
export async function runVerify(dir: string, ctx: Context): Promise<void> {
  const present = presenterFor(ctx);
  present.checkKnown(VERIFIED);
  const started = Date.now();
  const g = ctx.globals;
  let bar: DownloadBar | undefined;
  const onEvent = (e: VerifyEvent): void => {
    if (e.type === 'warning') ctx.warn(e.message);
    else if (e.type === 'start' && g.progress) {
      ctx.warn(`verifying ${e.files} file(s), ${formatBytes(e.bytes)}, in ${e.dir} against ${MANIFEST_FILE}`);
      bar = barProgress(ctx, { label: 'verifying', files: e.files, bytes: e.bytes });
    } else if (e.type === 'bytes') bar?.bytes(e.bytes);
    else if (e.type === 'file') bar?.file(e.ok ? 'fetched' : 'failed');
  };
  const result = await verifyDownload(dir, { s3: s3SessionOptions(ctx), signal: ctx.signal, lockWaitMs: ctx.lockWaitMs, onEvent }).finally(() => bar?.stop());
  const { checked, mismatches } = result;
  for (const m of mismatches) ctx.warn(`${m.path} (image ${m.id}): ${describe(m)}`);
  if (!g.quiet) {
    const took = `${formatBytes(result.bytes)} in ${formatSeconds(Date.now() - started)}`;
    ctx.warn(`verified ${checked} file(s), ${took}: ${result.ok} ok, ${mismatches.length} mismatched`);
  }
  await present.result({ dir: result.dir, checked, ok: result.ok, mismatches }, VERIFIED);
  if (mismatches.length) {
    throw new PartialFailureError(`${mismatches.length} of ${checked} file(s) do not match ${MANIFEST_FILE}`, ExitCode.integrity);
  }
}

function describe(m: Mismatch): string {
  if (m.problem === 'missing') return 'missing';
  if (m.problem === 'refused') return `not checked: ${m.reason ?? 'refused'}`;
  if (m.problem === 'size') return `${m.actual_bytes} bytes, the manifest says ${m.expected_bytes}`;
  return `sha256 ${m.actual_sha256}, the manifest says ${m.expected_sha256}`;
}
