import type { AddressInfo } from 'node:net';
import type { AdapterStatus, AdmissionRefusal, BanEntry, DisconnectReason, Peer, RemoteEndpoint, RoomTopic } from '../internals.js';

/** What the server is, for the line that says it started. */
export interface ServerInfo {
  readonly framing: string;
  readonly chat: boolean;
  /** Chat history, when it is on: messages each room keeps, and how many a text client is replayed on joining. */
  readonly history?: { readonly messages: number; readonly replayOnJoin: number } | undefined;
  /** The broker it shares the chat through, if any. */
  readonly cluster?: { readonly broker: 'redis' | 'nats'; readonly url: string; readonly prefix: string; readonly hubId: string } | undefined;
}

/** A client as the log names it. The console stores nothing per client: all of it is read off the peer. */
export type LoggedPeer = Peer<object>;

/**
 * What `serve` reports, one method per kind of event: `--log text` prints the console's lines,
 * `--log json` one JSON object per event. Both write through `write`, one line per call.
 */
export interface ServeLog {
  started(address: AddressInfo, info: ServerInfo): void;
  /** `--web`: the chat page is served at `url`, bound to `address`. */
  webStarted(address: AddressInfo, url: string): void;
  /** `--irc`: where the IRC door listens, and whether over TLS. */
  ircStarted(address: AddressInfo, tls: boolean): void;
  /** `--metrics`: where the metrics server listens. */
  metricsStarted(address: AddressInfo): void;
  /**
   * `--web`: an upgrade request was refused before it became a WebSocket: a page of an origin
   * not allowed (`detail` is the origin), or a path with no WebSocket (`detail` is the path).
   */
  webRefused(address: string, reason: 'origin' | 'path', detail: string): void;
  /** A hint for the person at the console; not an event, so JSON logs leave it out. */
  hint(text: string): void;
  /** The console's answer to an operator command. */
  reply(text: string): void;
  connected(peer: LoggedPeer): void;
  message(peer: LoggedPeer, text: string): void;
  disconnected(peer: LoggedPeer, reason: DisconnectReason, error?: Error): void;
  refused(address: string, reason: AdmissionRefusal): void;
  slowConsumer(peer: LoggedPeer, queuedBytes: number): void;
  clientError(peer: LoggedPeer, error: Error): void;
  tlsError(remote: RemoteEndpoint, error: Error): void;
  joined(peer: LoggedPeer, room: string): void;
  left(peer: LoggedPeer, room: string): void;
  renamed(peer: LoggedPeer, previous: string): void;
  /** The operator said `text` to everyone; `delivered` is how many clients of this server got it. */
  said(text: string, delivered: number, clustered: boolean): void;
  /** Moderation, by whoever did it (the console as `host`, an operator by nickname, the hub as `server`): `peer` was kicked from `room`. */
  kicked(peer: LoggedPeer, room: string, by: string, reason: string): void;
  /** A ban was set, on the server or `entry.room`. */
  banned(entry: BanEntry): void;
  /** A ban was lifted. */
  unbanned(entry: BanEntry): void;
  /** `peer` was muted, until `expiresAt` (ms since the epoch) or, when `undefined`, until unmuted. */
  muted(peer: LoggedPeer, expiresAt: number | undefined, by: string): void;
  unmuted(peer: LoggedPeer): void;
  /** The topic of `room` was set, or (`undefined`) cleared. */
  topicChanged(room: string, topic: RoomTopic | undefined, by: string): void;
  /** `peer` became an operator, or (`false`) stopped being one. */
  operatorChanged(peer: LoggedPeer, operator: boolean): void;
  clusterStatus(status: AdapterStatus, info: NonNullable<ServerInfo['cluster']>): void;
  /** Trouble with the broker; `unreachable` when the link is not up (the server goes on with its own clients). */
  clusterError(error: Error, info: NonNullable<ServerInfo['cluster']>, unreachable: boolean): void;
  inputClosed(): void;
  stopping(): void;
  closed(): void;
  /** The server failed and is stopping (the reason also goes to standard error). */
  failed(reason: string): void;
}
