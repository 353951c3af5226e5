// The `freshet` command line: one subcommand per module, so new commands
// (`freshet demo`, ...) plug in beside `serve`.
import { Command } from 'commander';
import { registerServeCommand } from './serve.js';
import { registerDemoCommand } from './demo.js';
import { packageVersion } from './version.js';

export function buildProgram(): Command {
  const program = new Command('freshet')
    .description('Freshet: a streaming SQL database that keeps SQL views over Kafka topics incrementally up to date')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError();
  registerServeCommand(program);
  registerDemoCommand(program);
  return program;
}

