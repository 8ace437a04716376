import { BrokerAdapter, DEFAULT_PRESENCE_TIMEOUT_MS, type BrokerAdapterOptions } from '../cluster/broker-adapter.js';
import { NatsTransport, type NatsTransportOptions } from './nats-transport.js';

/** Options for `new NatsAdapter()`: where NATS is, the namespace, and the cluster timings. */
export interface NatsAdapterOptions extends Omit<NatsTransportOptions, 'claimTtl'>, BrokerAdapterOptions {}

/**
 * Joins hubs through NATS: core pub/sub on `<prefix>.bus` for everything that crosses hubs,
 * and a JetStream KV bucket `<prefix>-nicks` (the server must run with JetStream, `-js`) for
 * nicknames. One adapter per hub:
 *
 * ```ts
 * const hub = new BroadcastHub({ chat: true, adapter: new NatsAdapter({ servers: '127.0.0.1:4222' }) });
 * ```
 */
export class NatsAdapter extends BrokerAdapter {
  constructor(options: NatsAdapterOptions = {}) {
    super(new NatsTransport({ ...options, claimTtl: options.presenceTimeout ?? DEFAULT_PRESENCE_TIMEOUT_MS }), options);
  }
}
