import type { BrokerHistoryLimits } from '../cluster/broker-history.js';
import { BrokerAdapter, type BrokerAdapterOptions } from '../cluster/broker-adapter.js';
import type { HistoryStore } from '../cluster/history-store.js';
import { RedisHistoryStore } from './redis-history-store.js';
import { RedisTransport, type RedisTransportOptions } from './redis-transport.js';

/** Options for `new RedisAdapter()`: where Redis is, the namespace, and the cluster timings. */
export interface RedisAdapterOptions extends RedisTransportOptions, BrokerAdapterOptions {}

/**
 * Joins hubs through Redis: pub/sub on `<prefix>:bus` for everything that crosses hubs, and
 * `<prefix>:nick:<name>` keys (with the presence timeout as TTL, refreshed every heartbeat)
 * for nicknames. A hub with `history` keeps it in Redis Streams (`RedisHistoryStore`, on the
 * adapter's connection). One adapter per hub:
 *
 * ```ts
 * const hub = new BroadcastHub({ chat: true, adapter: new RedisAdapter({ redis: 'redis://127.0.0.1:6379' }) });
 * ```
 */
export class RedisAdapter extends BrokerAdapter {
  private readonly redis: RedisTransport;

  constructor(options: RedisAdapterOptions = {}) {
    const transport = new RedisTransport(options);
    super(transport, options);
    this.redis = transport;
  }

  /** A `RedisHistoryStore` under this adapter's prefix, on its connection (closed with it). */
  historyStore(limits: BrokerHistoryLimits, onError: (error: Error) => void): HistoryStore {
    return new RedisHistoryStore({ ...limits, client: this.redis.commands, prefix: this.redis.namespace, onError: this.quietAfterClose(onError) });
  }

  /** Passes errors on until the adapter is closed: writes cut off by the close are not news. */
  private quietAfterClose(onError: (error: Error) => void): (error: Error) => void {
    return (error) => {
      if (this.status !== 'closed') onError(error);
    };
  }
}
