// `start` is the default command, so commander hands `fairway strat` to start,
// which then complains about "too many arguments for 'start'". A first word that
// is not an option is meant as a command: name it, and suggest the likely one.
import type { Command } from 'commander';
import { closest } from '../config/problems.js';

/** Registers the checks on `program`, whose default command is `defaultCommand`. */
export function rejectUnknownCommands(program: Command, defaultCommand: Command): void {
  program.hook('preSubcommand', (_program, next) => {
    const first = program.args[0];
    if (next !== defaultCommand || first === undefined || first.startsWith('-') || first === next.name()) return;
    program.error(`error: unknown command '${first}'${suggestion(program, defaultCommand, first)}`, {
      code: 'commander.unknownCommand',
    });
  });
  // A word after start's options (`fairway -p 0 strat`) is no command either, but
  // only an explicit `start` tells that apart from `fairway strat`; name it plainly.
  defaultCommand.allowExcessArguments(true).hook('preAction', (command) => {
    const extra = command.args[0];
    if (extra === undefined) return;
    command.error(`error: unexpected argument '${extra}' (${command.name()} takes only options; a command goes first, e.g. fairway validate FILE)`, {
      code: 'commander.excessArguments',
    });
  });
}

function suggestion(program: Command, defaultCommand: Command, word: string): string {
  const commands = [...program.commands.map((c) => c.name()), 'help'];
  const command = closest(word, commands);
  if (command !== undefined) return `. Did you mean '${command}'?`;
  // `fairway version` and `fairway config.yaml` are options written as commands.
  const long = (c: Command) => c.options.map((o) => o.long?.replace(/^--/, '')).filter((n) => n !== undefined);
  const option = [...long(program), ...long(defaultCommand)].find((name) => name === word.toLowerCase());
  if (option !== undefined) return `. Did you mean '--${option}'?`;
  if (/\.(ya?ml|json)$/i.test(word)) return `. Did you mean '--config ${word}'?`;
  return ` (commands: ${commands.join(', ')})`;
}
