import type { Command } from 'commander';
import type { Context } from '../context.js';

/** `completion bash|zsh|fish` and `open` (issue 11). */
export function registerCompletion(_program: Command, _ctx: Context): void {}
