// The `freshet` command line: one subcommand per module, so new commands
// (`freshet demo`, ...) plug in beside `serve`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerServeCommand } from './serve.js';
import { registerDemoCommand } from './demo.js';

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

/** The version in Freshet's package.json, found by walking up from this file (dist/ and .build/ alike). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'freshet' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
