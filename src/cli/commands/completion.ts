import { Argument, type Command } from 'commander';
import type { Context } from '../context.js';

/** `completion bash|zsh|fish` and `open` (issue 11). */
export function registerCompletion(program: Command, ctx: Context): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, flags and their values)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
The script is generated from this version's commands, so regenerate it after an upgrade.

Examples:
  $ source <(neurovault completion bash)                   # or add that line to ~/.bashrc
  $ neurovault completion zsh > "\${fpath[1]}/_neurovault"
  $ neurovault completion fish > ~/.config/fish/completions/neurovault.fish`,
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { runCompletion } = await import('../actions/completion.js');
      await runCompletion(shell, program, ctx);
    });

  program
    .command('open')
    .description("open a collection's or an image's page in the browser")
    .argument('<ref>', 'collection id, image:<id>, DOI, private token, or a NeuroVault URL')
    .addHelpText(
      'after',
      `
Uses $BROWSER when set, else xdg-open (with a display), open (macOS) or start (Windows). With no display, as over ssh, the URL is printed on stdout instead.

Examples:
  $ neurovault open 1615
  $ neurovault open image:396069
  $ neurovault open 10.1016/j.neurobiolaging.2012.11.002`,
    )
    .action(async (ref: string) => {
      const { runOpen } = await import('../actions/open.js');
      await runOpen(ref, ctx);
    });
}
