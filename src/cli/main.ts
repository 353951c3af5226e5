// Entry point of the `freshet` command (bin/freshet.js imports this module).
import { buildProgram } from './program.js';

await buildProgram().parseAsync(process.argv);
