/**
 * Heap bytes per idle connection, attributed: runs a hub (or a plain `net` server that
 * only tracks its sockets) in this process, has a child process open N idle connections,
 * and compares garbage-collected heap before and after. RSS (what the benchmark reports)
 * moves in pages and with the allocator; this isolates what the JavaScript objects cost,
 * to measure changes to peer.ts and the outbound queue.
 *
 *   node --expose-gc --import tsx bench/peer-memory.ts hub|net [connections=2000]
 *   BENCH_HUB_ENTRY=/path/to/src/index.ts ... to measure a candidate build.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Library = typeof import('../src/index.js');

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const mode = process.argv[2] ?? 'hub';
const connections = Number(process.argv[3] ?? 2000);

function heap(): { heap: number; external: number; rss: number } {
  for (let i = 0; i < 4; i += 1) gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.external, rss: usage.rss };
}

async function serve(): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  if (mode === 'net') {
    const sockets = new Set<Socket>();
    const server: Server = createServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    return {
      port: (server.address() as AddressInfo).port,
      count: () => sockets.size,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }
  const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const entry = process.env.BENCH_HUB_ENTRY ?? (existsSync(built) ? built : fileURLToPath(new URL('../src/index.ts', import.meta.url)));
  const { BroadcastHub } = (await import(pathToFileURL(entry).href)) as Library;
  const hub = new BroadcastHub({ framing: 'line' });
  hub.on('clientError', () => undefined);
  const address = await hub.listen({ host: '127.0.0.1', port: 0 });
  return { port: address.port, count: () => hub.clients.size, close: () => hub.close({ timeout: 1000 }) };
}

const CLIENT = `
const net = require('node:net');
const [port, n] = process.argv.slice(1).map(Number);
const sockets = [];
let open = 0;
for (let i = 0; i < n; i += 1) {
  const s = net.connect({ host: '127.0.0.1', port }, () => { open += 1; if (open === n) process.stdout.write('ready\\n'); });
  s.on('error', () => {});
  sockets.push(s);
}
process.stdin.on('data', () => { for (const s of sockets) s.destroy(); process.exit(0); });
`;

const server = await serve();
// One connection first, so code paths are compiled and one-time structures exist before the baseline.
const warm = spawn(process.execPath, ['-e', CLIENT, String(server.port), '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise((resolve) => warm.stdout.once('data', resolve));
while (server.count() < 1) await new Promise((resolve) => setTimeout(resolve, 10));
const before = heap();
const child = spawn(process.execPath, ['-e', CLIENT, String(server.port), String(connections)], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise((resolve) => child.stdout.once('data', resolve));
const deadline = Date.now() + 20_000;
while (server.count() < connections + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
await new Promise((resolve) => setTimeout(resolve, 300));
const after = heap();
const per = (key: 'heap' | 'external' | 'rss'): string => ((after[key] - before[key]) / connections).toFixed(0);
process.stdout.write(`${mode}: ${connections} connections; per connection: heap ${per('heap')} B, external ${per('external')} B, rss ${per('rss')} B\n`);
child.stdin.write('x');
warm.stdin.write('x');
await server.close();
process.exit(0);
