import type { Command } from 'commander';
import type { Context } from '../context.js';

// Placeholder until the download commands land.
export function registerDownload(_program: Command, _ctx: Context): void {}
