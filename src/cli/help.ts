import { Command, type AddHelpTextContext, type AddHelpTextPosition, type Help, type Option } from 'commander';
import { wrapWords } from '../output/text.js';

/**
 * Help that reads well at 80 columns and at 200: commands before options, global options grouped on the
 * top level and, under a command, only the global flags that command uses; every paragraph wrapped to the
 * terminal by commander or by `reflow`.
 */

// The global flags each command reads, by command path; other commands get DEFAULT_GLOBALS.
const OUTPUT = ['--output', '--json', '--jq', '--columns', '--fields'];
const API = ['--base-url', '--token-file'];
const S3 = ['--endpoint-url', '--region', '--profile', '--no-sign-request'];
const DEFAULT_GLOBALS = ['--output', '--json', '--jq', '--quiet', '--verbose'];
const GLOBALS_USED: Record<string, string[]> = {
  'collections list': [...OUTPUT, '--base-url', '--quiet'],
  'collections get': [...OUTPUT, ...API],
  'collections create': ['--output', '--json', ...API],
  'images list': [...OUTPUT, ...API, '--quiet'],
  'images get': [...OUTPUT, ...API],
  'images upload': ['--output', '--json', ...API, '--quiet', '--no-progress'],
  download: ['--output', '--json', '--jq', '--columns', ...API, '--quiet', '--no-progress', ...S3],
  verify: ['--output', '--json', '--jq', '--quiet'],
  'auth login': [...API, '--auth-scheme'],
  'auth status': [...API, '--auth-scheme', '--json'],
  'auth logout': ['--base-url'],
  's3 mb': [...S3, '--output', '--json'],
  's3 cp': [...S3, '--output', '--json', '--quiet', '--no-progress'],
  's3 ls': [...S3, '--output', '--json', '--columns'],
  open: ['--base-url', '--quiet'],
  completion: [],
};

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The layout, set once on the program (subcommands inherit it). */
export function configureHelpLayout(program: Command, width: () => number): void {
  program.configureHelp({
    showGlobalOptions: true,
    visibleGlobalOptions(this: Help, cmd: Command): Option[] {
      const used = GLOBALS_USED[commandPath(cmd)] ?? DEFAULT_GLOBALS;
      const all: Option[] = [];
      for (let c = cmd.parent; c; c = c.parent) all.push(...c.options.filter((o) => !o.hidden));
      return used.flatMap((flag) => all.filter((o) => o.long === flag));
    },
    formatHelp(this: Help, cmd: Command, helper: Help): string {
      const termWidth = helper.padWidth(cmd, helper);
      const item = (term: string, description: string) => helper.formatItem(term, termWidth, description, helper);
      const out = [`${helper.styleTitle('Usage:')} ${helper.styleUsage(helper.commandUsage(cmd))}`, ''];
      const description = helper.commandDescription(cmd);
      if (description) out.push(helper.boxWrap(helper.styleCommandDescription(description), helper.helpWidth ?? 80), '');
      out.push(
        ...this.formatItemList(
          'Arguments:',
          helper.visibleArguments(cmd).map((a) => item(helper.styleArgumentTerm(helper.argumentTerm(a)), helper.styleArgumentDescription(helper.argumentDescription(a)))),
          helper,
        ),
      );
      // Commands first: they are what a newcomer looks for; the options of the top level are many.
      const commands = this.groupItems(cmd.commands as Command[], helper.visibleCommands(cmd), (c) => c.helpGroup() || 'Commands:');
      commands.forEach((list, group) =>
        out.push(...this.formatItemList(group, list.map((c) => item(helper.styleSubcommandTerm(helper.subcommandTerm(c)), helper.styleSubcommandDescription(helper.subcommandDescription(c)))), helper)),
      );
      const optionItem = (o: Option) => item(helper.styleOptionTerm(helper.optionTerm(o)), helper.styleOptionDescription(helper.optionDescription(o)));
      const options = this.groupItems(cmd.options as Option[], helper.visibleOptions(cmd), (o) => o.helpGroupHeading ?? 'Options:');
      options.forEach((list, group) => out.push(...this.formatItemList(group, list.map(optionItem), helper)));
      const globals = helper.visibleGlobalOptions(cmd);
      if (globals.length > 0) out.push(...this.formatItemList('Global options used here (all: neurovault --help):', globals.map(optionItem), helper));
      return out.join('\n');
    },
  });
  program.configureOutput({ getOutHelpWidth: width, getErrHelpWidth: width });
}

/**
 * Text after a command's options, wrapped to the terminal: consecutive lines that do not start with a space
 * are one paragraph (joined, then wrapped); indented lines (examples, layouts) are kept as they are.
 */
export function reflow(text: string, width: number): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) out.push(...wrapWords(paragraph.join(' '), Math.max(40, width)));
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ')) {
      flush();
      out.push(line);
    } else paragraph.push(line.trim());
  }
  flush();
  return out.join('\n');
}

/**
 * The program's Command class: every subcommand is one too (commander's `createCommand`), and help text
 * added as a string is reflowed to the terminal when shown, so no source line break splits a word at 80
 * columns or leaves a ragged edge at 200.
 */
export function helpAwareCommand(width: () => number): new (name?: string) => Command {
  class NvCommand extends Command {
    override createCommand(name?: string): Command {
      return new NvCommand(name);
    }

    override addHelpText(position: AddHelpTextPosition, text: string | ((context: AddHelpTextContext) => string)): this {
      return super.addHelpText(position, typeof text === 'string' ? () => reflow(text, width()) : text);
    }
  }
  return NvCommand;
}
