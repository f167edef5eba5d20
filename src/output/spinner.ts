import type { Ora } from 'ora';
import type { IO } from './io.js';

/**
 * An ora spinner on stderr, started with `text`; undefined on a pseudo-terminal without a size
 * (`script`, `docker -t`, some CI runners report 0 columns, and ora then clears lines forever).
 * Callers decide interactivity (`ctx.globals.progress`); ora is loaded only here, only then.
 * stdin is left alone: it may be the data being uploaded (`s3 cp - …`).
 */
export async function openSpinner(io: IO, text: string): Promise<Ora | undefined> {
  const stream = io.stderr as NodeJS.WriteStream;
  if (!(stream.columns > 0)) return undefined;
  const { default: ora } = await import('ora');
  return ora({ stream, text, discardStdin: false, isEnabled: true }).start();
}
