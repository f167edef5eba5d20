import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by the s3 action, before undici loads, because both settings must precede the work
 * they shape. Measured on Node 20 (see bench/s3-bench.mjs):
 * - undici parses HTTP in WebAssembly, and V8 re-compiles that module with TurboFan in the background;
 *   at exit the process waits ~150 ms for the job. Baseline (Liftoff) code parses headers fast enough.
 * - A transfer allocates mostly short-lived buffers and request objects. Left alone, V8 grows the young
 *   generation to 2 × 16 MiB; kept near its start size it is collected more often (cheap, since little
 *   survives) and peak RSS stays at aws-cli's level. Of the heap-size flags only this one works after
 *   start-up.
 */
setFlagsFromString('--liftoff-only');
setFlagsFromString('--semi-space-growth-factor=1');
