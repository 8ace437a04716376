/**
 * The documented chat server (server2.py) in TypeScript: listens on 0.0.0.0:8000, logs who
 * connects and leaves, relays every client's message to the others, and broadcasts each line
 * typed here. `exit` (or Ctrl-C) closes it gracefully.
 *
 *   npx tsx examples/server.ts [--host HOST] [--port PORT] [--framing auto|line|raw]
 *   HOST=127.0.0.1 PORT=9000 npx tsx examples/server.ts
 *
 * With the default `auto` framing, nc, the documented client.py and examples/client.ts can all
 * join the same chat. It runs the same code as `broadcast-chat serve` (src/cli/serve-console.ts).
 */
import { runServe } from '../src/cli/main.js';

process.exitCode = await runServe(process.argv.slice(2), { invocation: 'examples/server.ts' });
