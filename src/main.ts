import { exitQuietlyOnClosedStdout, packageVersion } from './runtime/entry.js';
import { restartWithStartupFlags } from './runtime/restart.js';

/** From a signal to the exit, whatever the run is waiting for. */
const SIGNAL_GRACE_MS = 900;

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
    if (interrupted) dieBy(signal); // a second Ctrl-C means now
    interrupted = signal;
    controller.abort(new InterruptedError(signal));
    // Every phase stops at its next safe point and cleans up; a wait no signal reaches (a read on the
    // thread pool from a FIFO or a hung network mount) must not outlast the second the user was
    // promised. Finished files are already under their final names, so nothing is torn.
    setTimeout(() => dieBy(signal), SIGNAL_GRACE_MS).unref();
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
  if (interrupted) {
    const signal = interrupted;
    setTimeout(() => (code === 130 || code === 143 ? dieBy(signal) : process.exit(code)), 500).unref();
  }
}

/**
 * Ends the process by the signal itself, with its default action: the shell sees 130/143 as from an
 * exit code. `process.exit` would wait for the thread pool, where a read from
 * a FIFO or a hung mount can block for ever.
 */
function dieBy(signal: 'SIGINT' | 'SIGTERM'): never {
  const code = signal === 'SIGINT' ? 130 : 143;
  process.emit('exit', code); // exit handlers still run (the progress line erases itself)
  process.removeAllListeners('exit');
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // The default action ends the process before this line runs; the exit is for the type checker.
  process.exit(code);
}
