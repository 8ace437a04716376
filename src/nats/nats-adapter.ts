import type { BrokerHistoryLimits } from '../cluster/broker-history.js';
import { BrokerAdapter, DEFAULT_PRESENCE_TIMEOUT_MS, type BrokerAdapterOptions } from '../cluster/broker-adapter.js';
import type { HistoryStore } from '../cluster/history-store.js';
import { NatsHistoryStore } from './nats-history-store.js';
import { NatsTransport, type NatsTransportOptions } from './nats-transport.js';

/** Options for `new NatsAdapter()`: where NATS is, the namespace, and the cluster timings. */
export interface NatsAdapterOptions extends Omit<NatsTransportOptions, 'claimTtl'>, BrokerAdapterOptions {}

/**
 * Joins hubs through NATS: core pub/sub on `<prefix>.bus` for everything that crosses hubs,
 * and a JetStream KV bucket `<prefix>-nicks` (the server must run with JetStream, `-js`) for
 * nicknames. A hub with `history` keeps it in the JetStream stream `<prefix>-history`
 * (`NatsHistoryStore`, on the adapter's connection). One adapter per hub:
 *
 * ```ts
 * const hub = new BroadcastHub({ chat: true, adapter: new NatsAdapter({ servers: '127.0.0.1:4222' }) });
 * ```
 */
export class NatsAdapter extends BrokerAdapter {
  private readonly nats: NatsTransport;

  constructor(options: NatsAdapterOptions = {}) {
    const transport = new NatsTransport({ ...options, claimTtl: options.presenceTimeout ?? DEFAULT_PRESENCE_TIMEOUT_MS });
    super(transport, options);
    this.nats = transport;
  }

  /** A `NatsHistoryStore` under this adapter's prefix, on its connection once it is made. */
  historyStore(limits: BrokerHistoryLimits, onError: (error: Error) => void): HistoryStore {
    return new NatsHistoryStore({ ...limits, connection: () => this.nats.current, prefix: this.nats.namespace, onError: this.quietAfterClose(onError) });
  }

  /** Passes errors on until the adapter is closed: writes cut off by the close are not news. */
  private quietAfterClose(onError: (error: Error) => void): (error: Error) => void {
    return (error) => {
      if (this.status !== 'closed') onError(error);
    };
  }
}
