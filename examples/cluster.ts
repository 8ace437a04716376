/**
 * Three chat hubs on three ports sharing one chat through Redis (default) or NATS (`--nats`):
 * connect to any of them (`nc 127.0.0.1 8001`, `nc 127.0.0.1 8002`...) and everyone hears
 * everyone, /who lists all, /msg reaches a nickname on any hub. In production each hub is
 * its own process or machine; here they share one process to keep the demo short.
 *
 *   npx tsx examples/cluster.ts [--nats]
 *   REDIS_URL=redis://10.0.0.5:6379 PORT=9001 npx tsx examples/cluster.ts
 *   NATS_URL=127.0.0.1:4222 npx tsx examples/cluster.ts --nats
 *
 * PORT is the first port (default 8001; `0`: three free ports).
 */
import { BroadcastHub, type ClusterAdapter } from '../src/index.js';
import { NatsAdapter } from '../src/nats.js';
import { RedisAdapter } from '../src/redis.js';

const useNats = process.argv.includes('--nats');
const host = process.env.HOST ?? '127.0.0.1';
const firstPort = Number(process.env.PORT ?? 8001);
// One namespace per cluster: hubs with another prefix on the same broker are another chat.
const prefix = process.env.PREFIX ?? 'cluster-example';

function adapter(): ClusterAdapter {
  return useNats
    ? new NatsAdapter({ servers: process.env.NATS_URL ?? '127.0.0.1:4222', prefix })
    : new RedisAdapter({ redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix });
}

const adapters = [adapter(), adapter(), adapter()];
const hubs = adapters.map((clusterAdapter, index) => {
  const hub = new BroadcastHub({ chat: true, adapter: clusterAdapter });
  hub.on('adapterStatus', (status) => {
    console.log(`hub ${index + 1}: ${status}`);
  });
  hub.on('adapterError', (error) => {
    console.error(`hub ${index + 1}: ${error.message}`);
  });
  hub.on('clientError', () => undefined);
  return hub;
});

// Subscribed before listening, so the first clients miss nothing from the other hubs.
await Promise.all(adapters.map((clusterAdapter) => clusterAdapter.ready()));
const ports: number[] = [];
for (const [index, hub] of hubs.entries()) {
  const { port } = await hub.listen({ host, port: firstPort === 0 ? 0 : firstPort + index });
  ports.push(port);
}
console.log(`Chat on ${host}, ports ${ports.join(', ')}, over ${useNats ? 'NATS' : 'Redis'}`);
hubs[0]?.broadcast('the cluster is up');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all(hubs.map((hub) => hub.close({ timeout: 1000 }))).then(() => {
      console.log('Closed.');
      process.exit(0);
    });
  });
}
