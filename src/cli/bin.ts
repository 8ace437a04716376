// The `broadcast-chat` executable (dist/cli.js); tsup adds the `#!/usr/bin/env node` line.
import { runCli } from './main.js';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// The program is done: a handle left open (a client ignoring the close, say) must not keep it alive.
setTimeout(() => process.exit(code), 1000).unref();
