import type { Command } from 'commander';
import type { Context } from '../context.js';

// Placeholder until the write commands land.
export function registerCollectionsCreate(_collections: Command, _ctx: Context): void {}
export function registerImagesUpload(_images: Command, _ctx: Context): void {}
