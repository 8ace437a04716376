/**
 * Three hubs joined by the Redis adapter, for the fan-out across hubs: starts a redis-server of
 * its own on a free port (pub/sub between the hubs; its CPU is not counted in the server's),
 * the three hubs in this process on free ports, and announces `PORTS a,b,c` then `LISTENING a`.
 * The load generator spreads its clients over the three ports in turn, so most deliveries
 * cross Redis. The hubs come from the build under test (`BENCH_HUB_ENTRY`, as hub-server.ts);
 * the adapter from dist/redis.js (or src/ through tsx), next to the ioredis it needs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, LOOPBACK } from './announce.js';

type Library = typeof import('../../src/index.js');
type RedisEntry = typeof import('../../src/redis.js');

const pick = (built: string, source: string): string => {
  const path = fileURLToPath(new URL(built, import.meta.url));
  return existsSync(path) ? path : fileURLToPath(new URL(source, import.meta.url));
};
const entry = process.env.BENCH_HUB_ENTRY ?? pick('../../dist/index.js', '../../src/index.ts');
const { BroadcastHub } = (await import(pathToFileURL(entry).href)) as Library;
const { RedisAdapter } = (await import(pathToFileURL(pick('../../dist/redis.js', '../../src/redis.ts')).href)) as RedisEntry;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--dir', tmpdir()], { stdio: 'ignore' });
process.once('exit', () => redis.kill('SIGKILL'));
const deadline = Date.now() + 10_000;
while (!(await accepts(redisPort))) {
  if (Date.now() > deadline) throw new Error(`redis-server did not start on ${redisPort}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const url = `redis://${LOOPBACK}:${redisPort}`;
const adapters = [0, 1, 2].map(() => new RedisAdapter({ redis: url, prefix: 'bench' }));
const hubs = adapters.map((adapter) => {
  const hub = new BroadcastHub({ framing: 'line', adapter });
  // Per-client trouble is expected under load tests (resets at teardown); keep it quiet.
  hub.on('clientError', () => undefined);
  return hub;
});
await Promise.all(adapters.map((adapter) => adapter.ready()));
const ports: number[] = [];
for (const hub of hubs) ports.push((await hub.listen({ host: LOOPBACK, port: 0 })).port);
process.stdout.write(`PORTS ${ports.join(',')}\n`);
announceListening(ports[0] ?? 0, async () => {
  await Promise.all(hubs.map((hub) => hub.close({ timeout: 1000 })));
  redis.kill('SIGTERM');
});
