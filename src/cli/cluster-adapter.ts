import type { ClusterAdapter } from '../internals.js';
import { importOptional } from './optional-module.js';

/** Which broker `serve` joins others through, and how to name the chat there. */
export interface ClusterChoice {
  readonly redis?: string | undefined;
  readonly nats?: string | undefined;
  readonly prefix?: string | undefined;
  readonly hubId?: string | undefined;
}

// By the package's own name, so that Node resolves them through its `exports` (from a checkout
// and from an installation alike) and the bundler leaves them out of the CLI: they import
// ioredis and nats, optional peer dependencies that the CLI must start without.
const MODULES = { redis: 'broadcast-chat/redis', nats: 'broadcast-chat/nats' } as const;
const PACKAGES = { redis: 'ioredis', nats: 'nats' } as const;

type RedisModule = typeof import('../redis.js');
type NatsModule = typeof import('../nats.js');

/**
 * The cluster adapter `serve --redis URL` or `--nats URL` asks for, or `undefined` for a hub
 * on its own. Rejects with an `OptionalModuleError` whose one-line message says what to
 * install when the broker's client package is missing.
 */
export async function loadClusterAdapter(choice: ClusterChoice): Promise<ClusterAdapter | undefined> {
  const common = { ...(choice.prefix === undefined ? {} : { prefix: choice.prefix }), ...(choice.hubId === undefined ? {} : { hubId: choice.hubId }) };
  if (choice.redis !== undefined) {
    const { RedisAdapter } = await load<RedisModule>('redis');
    return new RedisAdapter({ redis: choice.redis, ...common });
  }
  if (choice.nats !== undefined) {
    const { NatsAdapter } = await load<NatsModule>('nats');
    const servers = choice.nats.split(',').map((server) => server.trim()).filter((server) => server !== '');
    return new NatsAdapter({ servers: servers.length === 1 ? (servers[0] ?? choice.nats) : servers, ...common });
  }
  return undefined;
}

function load<M>(kind: 'redis' | 'nats'): Promise<M> {
  return importOptional<M>(MODULES[kind], PACKAGES[kind], `--${kind}`);
}
