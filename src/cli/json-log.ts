import type { AddressInfo } from 'node:net';
import type { AdapterStatus, AdmissionRefusal, BanEntry, DisconnectReason, RemoteEndpoint, RoomTopic } from '../internals.js';
import type { LoggedPeer, ServeLog, ServerInfo } from './serve-log.js';
import { plainAddress } from './text-log.js';

/**
 * `--log json`: one JSON object per line and per event on standard output, for systemd, a
 * container runtime or a log shipper. Every object has `time` (ISO 8601) and `event`; those
 * about a client have `peer` (its id, stable for the connection), `address`, `port` and `nick`.
 */
export class JsonLog implements ServeLog {
  private readonly write: (line: string) => void;

  constructor(write: (line: string) => void) {
    this.write = write;
  }

  started(address: AddressInfo, info: ServerInfo): void {
    this.event('listening', {
      address: plainAddress(address.address),
      port: address.port,
      framing: info.framing,
      chat: info.chat,
      ...(info.history === undefined ? {} : { history: info.history }),
      ...(info.cluster === undefined ? {} : { cluster: info.cluster }),
    });
  }

  webStarted(address: AddressInfo, url: string): void {
    this.event('web-listening', { address: plainAddress(address.address), port: address.port, url });
  }

  ircStarted(address: AddressInfo, tls: boolean): void {
    this.event('irc-listening', { address: plainAddress(address.address), port: address.port, tls });
  }

  metricsStarted(address: AddressInfo): void {
    this.event('metrics-listening', { address: plainAddress(address.address), port: address.port });
  }

  webRefused(address: string, reason: 'origin' | 'path', detail: string): void {
    this.event('web-refused', { address: plainAddress(address), reason, [reason]: detail });
  }

  hint(): void {
    // For people at a terminal only.
  }

  reply(text: string): void {
    this.event('console', { text });
  }

  connected(peer: LoggedPeer): void {
    this.event('connect', { ...client(peer), framing: peer.framing });
  }

  message(peer: LoggedPeer, text: string): void {
    this.event('message', { ...client(peer), room: peer.room, text });
  }

  disconnected(peer: LoggedPeer, reason: DisconnectReason, error?: Error): void {
    this.event('disconnect', { ...client(peer), reason, ...(error === undefined ? {} : { error: error.message }) });
  }

  refused(address: string, reason: AdmissionRefusal): void {
    this.event('refused', { address: plainAddress(address), reason });
  }

  slowConsumer(peer: LoggedPeer, queuedBytes: number): void {
    this.event('slow-consumer', { ...client(peer), queuedBytes });
  }

  clientError(peer: LoggedPeer, error: Error): void {
    this.event('client-error', { ...client(peer), error: error.message, ...code(error) });
  }

  tlsError(remote: RemoteEndpoint, error: Error): void {
    this.event('tls-error', { address: plainAddress(remote.address), port: remote.port, error: error.message, ...code(error) });
  }

  joined(peer: LoggedPeer, room: string): void {
    this.event('join', { ...client(peer), room });
  }

  left(peer: LoggedPeer, room: string): void {
    this.event('leave', { ...client(peer), room });
  }

  renamed(peer: LoggedPeer, previous: string): void {
    this.event('nick', { ...client(peer), previous });
  }

  said(text: string, delivered: number): void {
    this.event('operator-message', { text, delivered });
  }

  kicked(peer: LoggedPeer, room: string, by: string, reason: string): void {
    this.event('kick', { ...client(peer), room, by, ...(reason === '' ? {} : { reason }) });
  }

  banned(entry: BanEntry): void {
    this.event('ban', ban(entry));
  }

  unbanned(entry: BanEntry): void {
    this.event('unban', ban(entry));
  }

  muted(peer: LoggedPeer, expiresAt: number | undefined, by: string): void {
    this.event('mute', { ...client(peer), by, ...(expiresAt === undefined ? {} : { until: new Date(expiresAt).toISOString() }) });
  }

  unmuted(peer: LoggedPeer): void {
    this.event('unmute', client(peer));
  }

  topicChanged(room: string, topic: RoomTopic | undefined, by: string): void {
    this.event('topic', { room, text: topic?.text ?? '', by });
  }

  operatorChanged(peer: LoggedPeer, operator: boolean): void {
    this.event('operator', { ...client(peer), operator });
  }

  clusterStatus(status: AdapterStatus, info: NonNullable<ServerInfo['cluster']>): void {
    this.event('cluster', { status, broker: info.broker, prefix: info.prefix, hubId: info.hubId });
  }

  clusterError(error: Error, info: NonNullable<ServerInfo['cluster']>, unreachable: boolean): void {
    this.event('cluster-error', { broker: info.broker, unreachable, error: error.message, ...code(error) });
  }

  inputClosed(): void {
    this.event('console-closed', {});
  }

  stopping(): void {
    this.event('stopping', {});
  }

  closed(): void {
    this.event('closed', {});
  }

  failed(reason: string): void {
    this.event('error', { error: reason });
  }

  private event(event: string, fields: Record<string, unknown>): void {
    this.write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }));
  }
}

/** The fields that name a client. Its id is made on first use and kept by the peer: only JSON logs ask for it. */
function client(peer: LoggedPeer): Record<string, unknown> {
  return { peer: peer.id, address: plainAddress(peer.remoteAddress), port: peer.remotePort, nick: peer.nick };
}

/** The fields of a ban: what it matches, where, why, by whom and until when. */
function ban(entry: BanEntry): Record<string, unknown> {
  return {
    mask: entry.mask,
    kind: entry.kind,
    ...(entry.room === undefined ? {} : { room: entry.room }),
    by: entry.by,
    ...(entry.reason === '' ? {} : { reason: entry.reason }),
    ...(entry.expiresAt === undefined ? {} : { until: new Date(entry.expiresAt).toISOString() }),
  };
}

function code(error: Error): Record<string, unknown> {
  const value = (error as { code?: unknown }).code;
  return typeof value === 'string' ? { code: value } : {};
}
