import { readFileSync } from 'node:fs';

// What both entries — the quick answers (src/quick-answers.ts) and main — need from the process.

/** The package's version, from the package.json under `root` (the package's folder). */
export function packageVersion(root: URL): string {
  return (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }).version;
}

/** `neurovault … | head` closes the pipe early: that is the reader's choice, not an error to report. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}
