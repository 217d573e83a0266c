// Help texts: one way to show defaults, and the default command's options in
// the top-level help (`fairway --help`), since `fairway` alone runs start.
import { Help, type Command, type HelpConfiguration, type Option } from 'commander';

/** Shows every default as `(default: 8080)`: commander would quote strings ("8080"). */
export const helpConfiguration: HelpConfiguration = {
  optionDescription(option: Option): string {
    const extra: string[] = [];
    // Start's defaults are shown but not applied (lower config layers must count), so
    // they have a description and no value.
    const value: unknown = option.defaultValue;
    const empty = value === undefined || (Array.isArray(value) && value.length === 0);
    const shown = option.defaultValueDescription ?? (empty ? undefined : String(value));
    if (shown !== undefined && !option.negate && !option.isBoolean()) extra.push(`default: ${shown}`);
    if (option.envVar !== undefined) extra.push(`env: ${option.envVar}`);
    return extra.length === 0 ? option.description : `${option.description} (${extra.join(', ')})`;
  },
};

/** Appends the options of `start` to the help of `program`. */
export function addStartOptionsToHelp(program: Command, start: Command): void {
  program.addHelpText('after', () => {
    const helper = Object.assign(new Help(), helpConfiguration);
    const options = helper.visibleOptions(start).filter((o) => o.long !== '--help');
    const width = Math.max(...options.map((o) => helper.optionTerm(o).length), helper.padWidth(program, helper));
    const items = options.map((o) => helper.formatItem(helper.optionTerm(o), width, helper.optionDescription(o), helper));
    return `\nOptions of ${start.name()}, the default command (fairway [${start.name()}] [options]):\n${items.join('\n')}\n`;
  });
}
