import type { Command } from 'commander';
import type { Context } from '../context.js';
import { Output } from '../../output/format.js';
import { bashScript, fishScript, walk } from '../completion-script.js';

export async function runCompletion(shell: 'bash' | 'zsh' | 'fish', program: Command, ctx: Context): Promise<void> {
  const nodes = walk(program);
  const text = shell === 'fish' ? fishScript(nodes) : bashScript(nodes, shell === 'zsh');
  const out = new Output(ctx.io.stdout);
  if (await out.write(text)) await out.flush();
}
