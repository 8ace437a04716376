/**
 * `broadcast-chat/redis`: the Redis cluster adapter. Needs the `ioredis` package (an optional
 * peer dependency); the core `broadcast-chat` entry never loads it.
 */
export { RedisAdapter } from './redis/redis-adapter.js';
export type { RedisAdapterOptions } from './redis/redis-adapter.js';
export { RedisTransport } from './redis/redis-transport.js';
export type { RedisTransportOptions } from './redis/redis-transport.js';
