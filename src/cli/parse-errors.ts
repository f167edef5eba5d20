import type { Command, Option } from 'commander';
import { distance } from '../output/fields.js';

/**
 * Commander's parse errors in the tool's own voice: one line that names what was wrong (with a lower-case
 * suggestion in brackets where one is close), then `Try 'neurovault <command> --help'`. Commander's
 * `error:` prefix, its capitalised "(Did you mean …)" line and "Expected 1 argument but got 3" never show.
 * The codes read here are commander's documented error codes.
 */
export function parseErrorMessage(cmd: Command, message: string, code: string | undefined): string {
  const try_ = `Try '${['neurovault', ...commandWords(cmd)].join(' ')} --help'`;
  const where = commandWords(cmd).join(' ');
  switch (code) {
    case 'commander.unknownOption': {
      const flag = quoted(message);
      return `unknown option '${flag}'${didYouMean(flag.startsWith('--') ? optionSuggestions(cmd, flag) : [])}\n${try_}`;
    }
    case 'commander.unknownCommand': {
      const name = String(cmd.args[0] ?? quoted(message));
      const names = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden).flatMap((c) => [c.name(), ...c.aliases()]);
      return `unknown command '${name}'${didYouMean(closest(name, names))}\n${try_}`;
    }
    case 'commander.excessArguments': {
      const extra = cmd.args.slice(cmd.registeredArguments.length);
      const what = extra.length === 1 ? `unexpected argument '${extra[0]}'` : `unexpected arguments ${extra.map((a) => `'${a}'`).join(' ')}`;
      return `${where ? `${where}: ` : ''}${what}\n${try_}`;
    }
    case 'commander.invalidArgument': {
      // `… value 'x' is invalid for argument 'shell'. Allowed choices are a, b, c.` (or an option's).
      const m = /'([^']*)' is invalid(?: for argument '([^']*)')?\. Allowed choices are (.*)\.$/.exec(message.split('\n')[0]!);
      if (!m) break;
      const of = m[2] ?? /option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1] ?? 'value';
      return `${where ? `${where}: ` : ''}invalid ${of} '${m[1]}': use ${orList(m[3]!.split(', '))}\n${try_}`;
    }
    case 'commander.help':
    case 'commander.helpDisplayed':
    case 'commander.version':
      return message;
  }
  // Missing arguments, a flag without its value: commander's words are plain enough once ours in form.
  const text = message.replace(/^error: /, '').split('\n')[0]!.replace(/\.$/, '');
  return `${where ? `${where}: ` : ''}${text}\n${try_}`;
}

function orList(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? '');
}

function commandWords(cmd: Command): string[] {
  const words: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) words.unshift(c.name());
  return words;
}

/** The text between the first and the last quote of commander's first line. */
function quoted(message: string): string {
  const line = message.split('\n')[0]!;
  const start = line.indexOf("'");
  const end = line.lastIndexOf("'");
  return start >= 0 && end > start ? line.slice(start + 1, end) : line;
}

function didYouMean(names: string[]): string {
  return names.length > 0 ? ` (did you mean ${names.join(', ')}?)` : '';
}

/**
 * The closest long flags: among those the command's help shows first (its own and the global ones it
 * uses), else among every flag it would accept.
 */
function optionSuggestions(cmd: Command, flag: string): string[] {
  const helper = cmd.createHelp();
  const longs = (options: readonly Option[]) => options.flatMap((o) => (o.long ? [o.long.slice(2)] : []));
  const word = flag.slice(2).split('=')[0]!;
  const shown = [...longs(helper.visibleOptions(cmd)), ...longs(helper.visibleGlobalOptions(cmd))];
  const all: Option[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) all.push(...c.options.filter((o) => !o.hidden));
  const close = closest(word, shown);
  return (close.length > 0 ? close : closest(word, longs(all))).map((n) => `--${n}`);
}

/** The names nearest to a typed word (ties all kept), within a typo or two; else those it begins. */
function closest(word: string, names: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored = [...new Set(names)].map((n) => ({ n, d: distance(word.toLowerCase(), n.toLowerCase()) }));
  const best = Math.min(...scored.map((s) => s.d));
  if (best <= limit) return scored.filter((s) => s.d === best).map((s) => s.n);
  return word.length >= 3 ? scored.filter((s) => s.n.startsWith(word)).map((s) => s.n) : [];
}
