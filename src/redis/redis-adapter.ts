import { BrokerAdapter, type BrokerAdapterOptions } from '../cluster/broker-adapter.js';
import { RedisTransport, type RedisTransportOptions } from './redis-transport.js';

/** Options for `new RedisAdapter()`: where Redis is, the namespace, and the cluster timings. */
export interface RedisAdapterOptions extends RedisTransportOptions, BrokerAdapterOptions {}

/**
 * Joins hubs through Redis: pub/sub on `<prefix>:bus` for everything that crosses hubs, and
 * `<prefix>:nick:<name>` keys (with the presence timeout as TTL, refreshed every heartbeat)
 * for nicknames. One adapter per hub:
 *
 * ```ts
 * const hub = new BroadcastHub({ chat: true, adapter: new RedisAdapter({ redis: 'redis://127.0.0.1:6379' }) });
 * ```
 */
export class RedisAdapter extends BrokerAdapter {
  constructor(options: RedisAdapterOptions = {}) {
    super(new RedisTransport(options), options);
  }
}
