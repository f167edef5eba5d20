import { Command, type AddHelpTextContext, type AddHelpTextPosition, type ErrorOptions, type Help, type Option } from 'commander';
import type { EventEmitter } from 'node:events';
import { reflow, renderHelpPage, type HelpPage } from './help-render.js';
import type { HelpIndex } from './help-index.js';
import { parseErrorMessage } from './parse-errors.js';
import { globalsUsedBy } from './global-use.js';

/**
 * Help that reads well at 80 columns and at 200: commands before options, global options grouped on the
 * top level and, under a command, only the global flags that command uses; every paragraph wrapped to the
 * terminal by help-render.ts.
 */

/** The layout, set once on the program (subcommands inherit it). */
export function configureHelpLayout(program: Command, width: () => number): void {
  program.configureHelp({
    showGlobalOptions: true,
    visibleGlobalOptions(this: Help, cmd: Command): Option[] {
      const used = globalsUsedBy(cmd);
      const all: Option[] = [];
      for (let c = cmd.parent; c; c = c.parent) all.push(...c.options.filter((o) => !o.hidden));
      return used.flatMap((flag) => all.filter((o) => o.long === flag));
    },
    formatHelp(this: Help, cmd: Command, helper: Help): string {
      return renderHelpPage(helpPageOf(cmd, helper), helper.helpWidth ?? 80);
    },
  });
  program.configureOutput({ getOutHelpWidth: width, getErrHelpWidth: width });
}

/** The page of a command of the live tree, through the program's configured helper. */
export function helpPageOf(cmd: Command, helper: Help): HelpPage {
  const sections: HelpPage['sections'] = [];
  const add = (title: string, items: [string, string][]) => {
    if (items.length > 0) sections.push({ title, items });
  };
  add('Arguments:', helper.visibleArguments(cmd).map((a) => [helper.styleArgumentTerm(helper.argumentTerm(a)), helper.styleArgumentDescription(helper.argumentDescription(a))]));
  // Commands first: they are what a newcomer looks for; the options of the top level are many.
  helper
    .groupItems(cmd.commands as Command[], helper.visibleCommands(cmd), (c) => c.helpGroup() || 'Commands:')
    .forEach((list, title) => add(title, list.map((c) => [helper.styleSubcommandTerm(helper.subcommandTerm(c)), helper.styleSubcommandDescription(helper.subcommandDescription(c))])));
  const option = (o: Option): [string, string] => [helper.styleOptionTerm(helper.optionTerm(o)), helper.styleOptionDescription(unquoteNumbers(helper.optionDescription(o)))];
  helper.groupItems(cmd.options as Option[], helper.visibleOptions(cmd), (o) => o.helpGroupHeading ?? 'Options:').forEach((list, title) => add(title, list.map(option)));
  add('Global options used here (all: neurovault --help):', helper.visibleGlobalOptions(cmd).map(option));
  const description = helper.commandDescription(cmd);
  return {
    usage: helper.styleUsage(helper.commandUsage(cmd)),
    description: description ? helper.styleCommandDescription(description) : '',
    sections,
    after: AFTER_TEXTS.get(cmd) ?? [],
  };
}

/** Option values arrive as strings, so commander quotes a numeric default (`(default: "6")`); a number reads bare. */
function unquoteNumbers(description: string): string {
  return description.replace(/\((default|preset): "(-?\d+(?:\.\d+)?)"\)/g, '($1: $2)');
}

const AFTER_TEXTS = new WeakMap<Command, string[]>();

/**
 * The program's Command class: every subcommand is one too (commander's `createCommand`), help text
 * added as a string is reflowed to the terminal when shown, so no source line break splits a word at 80
 * columns or leaves a ragged edge at 200, and parse errors are worded as ours (parse-errors.ts).
 */
export function helpAwareCommand(width: () => number): new (name?: string) => Command {
  class NvCommand extends Command {
    override createCommand(name?: string): Command {
      return new NvCommand(name);
    }

    override addHelpText(position: AddHelpTextPosition, text: string | ((context: AddHelpTextContext) => string)): this {
      if (position === 'after' && typeof text === 'string') AFTER_TEXTS.set(this, [...(AFTER_TEXTS.get(this) ?? []), text]);
      return super.addHelpText(position, typeof text === 'string' ? () => reflow(text, width()) : text);
    }

    override error(message: string, errorOptions?: ErrorOptions): never {
      return super.error(parseErrorMessage(this, message, errorOptions?.code), errorOptions);
    }
  }
  return NvCommand;
}

/** Every page the index can serve, keyed by command path ('' for the program). */
export function buildHelpIndex(program: Command, version: string): HelpIndex {
  const pages: Record<string, HelpPage> = {};
  const walk = (cmd: Command, path: string[], inheritedHooks: boolean) => {
    const listeners = (event: string) => (cmd as unknown as EventEmitter).listenerCount(event);
    // Help drawn by listeners other than plain after-texts (before-texts, callbacks, texts for all
    // subcommands) is not data; such pages stay with the tree.
    const allHooks = inheritedHooks || listeners('beforeAllHelp') > 0 || listeners('afterAllHelp') > 0;
    const page = helpPageOf(cmd, cmd.createHelp());
    const plain = !allHooks && listeners('beforeHelp') === 0 && listeners('afterHelp') === page.after.length;
    if (plain) pages[path.join(' ')] = page;
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()], allHooks);
  };
  walk(program, [], false);
  return { version, pages };
}

/**
 * A help request for a command that does not exist (`colections --help`, `collections lst -h`,
 * `help colections`) would get its parent's help, or the program's on stderr, with no word about the
 * typo. Without the help flag commander reports the unknown command with its suggestion (exit 2): the
 * words are returned that way. Only the leading words are read, up to the first option or a command that
 * takes arguments; any other line is returned as it is.
 */
export function unknownCommandOverHelp(program: Command, argv: readonly string[]): readonly string[] {
  const isHelp = (a: string) => a === '--help' || a === '-h';
  const viaHelpCommand = argv[0] === 'help';
  if (!viaHelpCommand && !argv.some(isHelp)) return argv;
  const words = viaHelpCommand ? argv.slice(1) : argv;
  let cmd = program;
  for (const word of words) {
    if (word.startsWith('-') || cmd.commands.length === 0) return argv;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return words.filter((a) => !isHelp(a));
    cmd = sub;
  }
  return argv;
}
