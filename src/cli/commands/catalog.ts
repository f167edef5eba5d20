import type { Command } from 'commander';
import type { Context } from '../context.js';

/** `catalog sync|status|path` and `search`: the local metadata catalogue (issue 10). */
export function registerCatalog(_program: Command, _ctx: Context): void {}
