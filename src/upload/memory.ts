import { setFlagsFromString } from 'node:v8';

let applied = false;

/**
 * Keeps undici's HTTP parser on V8's baseline WebAssembly compiler. undici parses responses with an
 * llhttp WebAssembly module; once it gets hot, V8 re-compiles it with TurboFan in the background, and
 * that compile briefly costs ~35 MiB of RSS, which alone was over a quarter of the 120 MiB upload
 * budget (measured on Node 20.20: 99 → 64 MiB peak for a POST). Parsing a few response headers does not need
 * optimised code. Must run before the first connection, when the module is compiled.
 */
export function preferLowMemoryWasm(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--liftoff-only');
}
