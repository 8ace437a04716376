/**
 * `broadcast-chat/redis`: the Redis cluster adapter, and the history store in Redis Streams.
 * Needs the `ioredis` package (an optional peer dependency); the core `broadcast-chat` entry
 * never loads it.
 */
export { RedisAdapter } from './redis/redis-adapter.js';
export type { RedisAdapterOptions } from './redis/redis-adapter.js';
export { RedisTransport } from './redis/redis-transport.js';
export type { RedisTransportOptions } from './redis/redis-transport.js';
export { RedisHistoryStore } from './redis/redis-history-store.js';
export type { RedisHistoryStoreOptions } from './redis/redis-history-store.js';
export type { BrokerHistoryLimits, BrokerHistoryOptions } from './cluster/broker-history.js';
