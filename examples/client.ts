/**
 * The documented chat client (client.py) in TypeScript: connects to 127.0.0.1:8000, sends each
 * line typed at the `You: ` prompt, and prints what the others say as `Message received: ...`
 * without disturbing what you are typing. `exit` (any case) or Ctrl-C leaves, and so does it
 * when the server goes away, as the documented client does (`broadcast-chat connect` would
 * reconnect).
 *
 *   npx tsx examples/client.ts [HOST] [PORT]
 *   npx tsx examples/client.ts --host 127.0.0.1 --port 8000 [--framing auto|line|raw]
 *
 * The documented client used port 8080 while its server listened on 8000; both of ours use
 * 8000. It works with examples/server.ts and with the documented server2.py. It runs the same
 * code as `broadcast-chat connect` (src/cli/chat-console.ts).
 */
import { runConnect } from '../src/cli/main.js';

process.exitCode = await runConnect(['--no-reconnect', ...process.argv.slice(2)], { invocation: 'examples/client.ts' });
