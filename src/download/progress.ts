/** What the engine reports while it runs; the summary is made by the caller from the Outcome. */
export interface Progress {
  bytes(n: number): void;
  file(result: 'fetched' | 'skipped' | 'failed'): void;
  /** A notice for the user (the CLI writes it above its live line, never through it). */
  note(line: string): void;
  /** Ends the live display, if any (before the summary or an error). */
  stop(): void;
}

/** Progress that counts nothing and hands notices to `note` (the library's default: it never prints). */
export function silentProgress(note: (line: string) => void = () => undefined): Progress {
  return { bytes() {}, file() {}, note, stop() {} };
}
