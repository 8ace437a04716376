/**
 * `broadcast-chat/nats`: the NATS cluster adapter, and the history store in JetStream. Needs
 * the `nats` package (an optional peer dependency) and a server with JetStream for nickname
 * claims and history; the core `broadcast-chat` entry never loads it.
 */
export { NatsAdapter } from './nats/nats-adapter.js';
export type { NatsAdapterOptions } from './nats/nats-adapter.js';
export { NatsTransport } from './nats/nats-transport.js';
export type { NatsTransportOptions } from './nats/nats-transport.js';
export { NatsHistoryStore } from './nats/nats-history-store.js';
export type { NatsHistoryStoreOptions } from './nats/nats-history-store.js';
export type { BrokerHistoryLimits, BrokerHistoryOptions } from './cluster/broker-history.js';
