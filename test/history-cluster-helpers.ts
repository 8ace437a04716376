/**
 * Shared by test/history-cluster*.test.ts: adapters on the machine's brokers, the cleanup of
 * a test's streams, and a TCP proxy whose target hub can change, so that a client that
 * reconnects lands on another hub.
 */
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { connect as natsConnect } from 'nats';
import type { ClusterAdapter } from '../src/index.js';
import { NatsAdapter } from '../src/nats.js';
import { RedisAdapter } from '../src/redis.js';
import { reachable, sharedBrokerUrl, type BrokerKind } from './helpers/cluster.js';

/** Why the suite for `kind` cannot run here, or `undefined` when the machine's broker answers. */
export async function missingSharedBroker(kind: BrokerKind): Promise<string | undefined> {
  const url = sharedBrokerUrl(kind);
  return (await reachable(url)) ? undefined : `no ${kind} server reachable at ${url} (start ${kind === 'redis' ? 'redis-server' : 'nats-server -js'}, or set ${kind === 'redis' ? 'REDIS_URL' : 'NATS_URL'})`;
}

/** An adapter of `kind` under `prefix`, on the shared broker or at `url`. */
export function adapterFor(kind: BrokerKind, prefix: string, url = sharedBrokerUrl(kind)): ClusterAdapter {
  return kind === 'redis' ? new RedisAdapter({ redis: url, prefix }) : new NatsAdapter({ servers: url, prefix, maxReconnectDelay: 200 });
}

/** An adapter of `kind` pointed at a port nobody listens on: its history store fails. */
export function deadAdapter(kind: BrokerKind, port: number, prefix: string): ClusterAdapter {
  return kind === 'redis'
    ? new RedisAdapter({ redis: { host: '127.0.0.1', port, maxRetriesPerRequest: 0 }, prefix, maxReconnectDelay: 200 })
    : new NatsAdapter({ servers: `127.0.0.1:${port}`, prefix, maxReconnectDelay: 200 });
}

/** Deletes what a test left in the broker under `prefix`: its history streams, session keys and nickname bucket. */
export async function dropHistory(kind: BrokerKind, prefix: string): Promise<void> {
  if (kind === 'redis') {
    const redis = new Redis(sharedBrokerUrl('redis'));
    try {
      const keys = [...(await redis.keys(`${prefix}:history:*`)), ...(await redis.keys(`${prefix}:session:*`))];
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    return;
  }
  const nc = await natsConnect({ servers: sharedBrokerUrl('nats') });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`${prefix}-history`).catch(() => false);
    await jsm.streams.delete(`KV_${prefix}-nicks`).catch(() => false);
    await jsm.streams.delete(`KV_${prefix}-sessions`).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** A port that refuses connections (listened on once, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export { TcpSwitch as Switch } from './helpers/tcp-switch.js';
