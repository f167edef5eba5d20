import { counted, formatCount } from '../output/units.js';
import type { Context } from './context.js';
import { CliError, ExitCode, InterruptedError, PartialFailureError } from '../errors.js';
import type { DownloadResult } from '../download/download-selection.js';

/** Differences listed one per line before "… and N more". */
const MAX_LISTED = 20;

/** The differences from a --frozen lock, before the error that stops the run (exit 5). */
export function listDifferences(diffs: string[], ctx: Context): void {
  for (const d of diffs.slice(0, MAX_LISTED)) ctx.warn(d);
  if (diffs.length > MAX_LISTED) ctx.warn(`… and ${diffs.length - MAX_LISTED} more`);
}

/** The exit status of a finished run: interrupted (130/143), server down (1), failures (1, or 5 for --frozen sha256). */
export function throwOnFailure(result: DownloadResult, lockFile: string | undefined, signal: AbortSignal): void {
  const { outcome, failures } = result;
  if (outcome.interrupted) {
    const reason: unknown = signal.reason;
    throw reason instanceof InterruptedError ? reason : new InterruptedError();
  }
  if (outcome.serverDown !== undefined) {
    throw new CliError(`the server appears to be down: ${outcome.serverDown}`, {
      exitCode: ExitCode.failure,
      hint: 'finished files are kept and *.part files resume; run the same command again later',
    });
  }
  if (failures.length) {
    const integrity = failures.filter((f) => f.integrity).length;
    if (integrity > 0) throw new PartialFailureError(`${counted(integrity, 'file')} differ${integrity === 1 ? 's' : ''} from the lock ${lockFile ?? ''} (--frozen)`, ExitCode.integrity);
    const of = result.plan.items.length + result.plan.unavailable.length;
    throw new PartialFailureError(`${formatCount(failures.length)} of ${counted(of, 'image')} failed; the others are in place`);
  }
}
