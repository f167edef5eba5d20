import type { Command } from 'commander';
import type { Context } from '../context.js';

/** `view`: a map drawn in the terminal (issue 11). */
export function registerView(_program: Command, _ctx: Context): void {}
