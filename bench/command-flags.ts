// The flags of a bench script's command line: `--name value` pairs and bare
// `--switch`es, anything else refused with a pointer to the script's own
// header comment, where its flags are listed.

export interface CommandFlags {
  /** Each `--name value` given, by name without the dashes. */
  values: Map<string, string>;
  /** Each bare switch given, without the dashes. */
  switches: Set<string>;
}

/** Reads `argv`; `valued` and `switches` are the flag names without their dashes. */
export function readCommandFlags(argv: readonly string[], valued: readonly string[], switches: readonly string[], script: string): CommandFlags {
  const flags: CommandFlags = { values: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (switches.includes(name)) flags.switches.add(name);
    else if (valued.includes(name) && argv[i + 1] !== undefined) flags.values.set(name, argv[++i]!);
    else throw new Error(`unknown argument "${arg}" (see the comment at the top of ${script})`);
  }
  return flags;
}
