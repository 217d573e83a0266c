#!/usr/bin/env node
// Entry point of the `fairway` binary: one program, one file per command.
import { Command, CommanderError } from 'commander';
import { registerStartCommand } from './start-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerBackendCommand } from './backend-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerBenchCommand } from './bench-command.js';
import { addStartOptionsToHelp, helpConfiguration } from './help.js';
import { rejectUnknownCommands } from './unknown-command.js';
import { readVersion } from './version.js';
import { stopWhenOutputCloses } from './closed-output.js';

stopWhenOutputCloses();

const program = new Command('fairway')
  .description('HTTP load balancer and reverse proxy')
  .version(readVersion(), '-v, --version')
  .showHelpAfterError('(run with --help for usage)')
  // Before the commands are added: they copy it.
  .configureHelp(helpConfiguration);

const start = registerStartCommand(program);
registerDemoCommand(program);
registerBackendCommand(program);
registerValidateCommand(program);
registerBenchCommand(program);
rejectUnknownCommands(program, start);
addStartOptionsToHelp(program, start);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(`fairway: ${(err as Error).message}\n`);
  process.exit(1);
});
