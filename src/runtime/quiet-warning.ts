/**
 * Runs `fn` with Node's process warnings muted. Used only around loading features that announce
 * themselves as experimental on every run (undici's decompress interceptor, `node:sqlite`): the tool's
 * stderr carries `neurovault:` lines for the user, not notices about our own building blocks.
 */
export function withoutWarnings<T>(fn: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = emit;
  }
}
