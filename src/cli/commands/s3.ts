import type { Command } from 'commander';
import type { Context } from '../context.js';

// Placeholder until the s3 commands land.
export function registerS3(_program: Command, _ctx: Context): void {}
