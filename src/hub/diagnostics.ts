import { channel } from 'node:diagnostics_channel';
import type { AdapterStatus } from '../cluster/adapter.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import type { BroadcastHub } from './hub.js';
import type { AdmissionRefusal } from './limits/connection-limiter.js';
import type { Peer } from './peer.js';

/**
 * The names of the `node:diagnostics_channel` channels every hub publishes on, for APM and
 * OpenTelemetry instrumentations: `diagnostics_channel.subscribe(HUB_CHANNELS.connect, fn)`.
 * A hub publishes only while a channel has subscribers, so an unobserved hub pays one property
 * read per event. A subscriber that throws does not disturb the hub: Node reports its error as
 * an uncaught exception on the next tick.
 */
export const HUB_CHANNELS = {
  /** A client connected: `HubConnectMessage`. */
  connect: 'broadcast-chat:connect',
  /** A client is gone: `HubDisconnectMessage`. */
  disconnect: 'broadcast-chat:disconnect',
  /** A client sent a message, as the `message` event sees it: `HubMessageMessage`. */
  message: 'broadcast-chat:message',
  /** A connection was turned away at the door: `HubRefusedMessage`. */
  refused: 'broadcast-chat:refused',
  /** A client stopped reading: `HubSlowConsumerMessage`. */
  slowConsumer: 'broadcast-chat:slow-consumer',
  /** The cluster link changed state: `HubAdapterStatusMessage`. */
  adapterStatus: 'broadcast-chat:adapter-status',
} as const;

/** The hub a channel's message comes from: every message carries it, for processes that run several. */
// The hub's own type parameters are the application's; a subscriber sees whichever it set.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyHub = BroadcastHub<any, any>;

/** What `broadcast-chat:connect` publishes. */
export interface HubConnectMessage {
  readonly hub: AnyHub;
  readonly peer: Peer<unknown>;
}

/** What `broadcast-chat:disconnect` publishes: as the `disconnect` event. */
export interface HubDisconnectMessage {
  readonly hub: AnyHub;
  readonly peer: Peer<unknown>;
  readonly reason: DisconnectReason;
  readonly error: Error | undefined;
}

/** What `broadcast-chat:message` publishes: as the `message` event, before handlers and the relay. */
export interface HubMessageMessage {
  readonly hub: AnyHub;
  readonly peer: Peer<unknown>;
  readonly message: unknown;
}

/** What `broadcast-chat:refused` publishes: as the `refused` event. */
export interface HubRefusedMessage {
  readonly hub: AnyHub;
  readonly address: string;
  readonly reason: AdmissionRefusal;
}

/** What `broadcast-chat:slow-consumer` publishes: as the `slowConsumer` event. */
export interface HubSlowConsumerMessage {
  readonly hub: AnyHub;
  readonly peer: Peer<unknown>;
  readonly queuedBytes: number;
}

/** What `broadcast-chat:adapter-status` publishes: as the `adapterStatus` event. */
export interface HubAdapterStatusMessage {
  readonly hub: AnyHub;
  readonly status: AdapterStatus;
}

/**
 * The channels themselves, made once per process (a channel is shared by name, so two copies
 * of the library publish on the same ones). Held here, so that Node never collects them.
 * @internal
 */
export const hubChannels = {
  connect: channel(HUB_CHANNELS.connect),
  disconnect: channel(HUB_CHANNELS.disconnect),
  message: channel(HUB_CHANNELS.message),
  refused: channel(HUB_CHANNELS.refused),
  slowConsumer: channel(HUB_CHANNELS.slowConsumer),
  adapterStatus: channel(HUB_CHANNELS.adapterStatus),
};
