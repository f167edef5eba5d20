/**
 * What `main` needs beyond `--version`, in one module that main loads on demand: `--version` then loads
 * nothing but main itself, and everything else loads as one chunk with the command tree.
 */
export { Context } from './context.js';
export { processIO } from '../output/io.js';
export { InterruptedError } from '../errors.js';
export { createProgram } from './program.js';
