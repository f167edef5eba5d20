import { exitQuietlyOnClosedStdout, packageVersion } from './runtime/entry.js';
import { restartWithStartupFlags } from './runtime/restart.js';

/** The composition root: the only place that touches the real process, signals and the exit code. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  // --version and plain help requests were answered before this module loaded (src/quick-answers.ts).
  // First, before anything is loaded or opened in a process that may be replaced.
  restartWithStartupFlags();
  exitQuietlyOnClosedStdout();
  const { Context, processIO, InterruptedError, createProgram } = await import('./cli/startup.js');
  const env = process.env;
  const io = processIO(env);
  const controller = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143); // a second Ctrl-C means now
    interrupted = signal;
    controller.abort(new InterruptedError(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const ctx = new Context(io, env, controller.signal, packageVersion(new URL('../../', import.meta.url)));
  let code = 0;
  try {
    await createProgram(ctx).parseAsync(argv, { from: 'user' });
  } catch (err) {
    // Commander ends --help with an exception; there is nothing to report, so load nothing to report it.
    const { code: what, exitCode } = err as { code?: unknown; exitCode?: unknown };
    if (typeof what === 'string' && what.startsWith('commander.') && exitCode === 0) {
      code = 0;
    } else {
      const { reportError } = await import('./cli/report-error.js');
      code = reportError(err, ctx, interrupted);
    }
  } finally {
    await ctx.close();
  }
  if (interrupted && code !== 0) code = interrupted === 'SIGINT' ? 130 : 143;
  process.exitCode = code;
  // Interrupted, the run is over once cleaned up: a handle some layer left open (a pipe still being read)
  // must not keep the process alive past the second the user was promised.
  if (interrupted) setTimeout(() => process.exit(code), 500).unref();
}
