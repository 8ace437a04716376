/**
 * The hub under soak, in its own process so that its memory is its own. Usage:
 *   node --import tsx bench/soak-hub.ts
 * Prints `READY <port>`, then once a second
 * `STATS <rss> <heapUsed> <clients> <fds> <clientErrors> <disconnects>`, with the heap measured
 * after a full GC (the process runs with --expose-gc) so that a slope means retained memory.
 * SIGTERM closes the hub and exits.
 */
import { readdirSync } from 'node:fs';
import { BroadcastHub } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
const hub = new BroadcastHub({ framing: 'line', maxMessageBytes: 16 * 1024 });
let clientErrors = 0;
let disconnects = 0;
hub.on('clientError', () => {
  clientErrors += 1;
});
hub.on('disconnect', () => {
  disconnects += 1;
});
const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
console.log(`READY ${port}`);

const timer = setInterval(() => {
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const fds = readdirSync('/proc/self/fd').length;
  console.log(`STATS ${rss} ${heapUsed} ${hub.clients.size} ${fds} ${clientErrors} ${disconnects}`);
}, 1000);

process.once('SIGTERM', () => {
  clearInterval(timer);
  void hub.close({ timeout: 1000 }).then(() => process.exit(0));
});
