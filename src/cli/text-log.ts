import type { AddressInfo } from 'node:net';
import { describeSocketError, type AdapterStatus, type AdmissionRefusal, type BanEntry, type DisconnectReason, type RemoteEndpoint, type RoomTopic } from '../internals.js';
import { OPERATOR_NAME } from './operator-context.js';
import type { LoggedPeer, ServeLog, ServerInfo } from './serve-log.js';
import { formatAddress, printableLine } from './terminal.js';

/**
 * `--log text`: the console's lines, as the documented server prints them (`New connection
 * from ...`, `Received message from ...`). In chat mode the lines name the client by nickname
 * and show messages as the chat does: `alice: hi`, `[dev] bob: hello`.
 */
export class TextLog implements ServeLog {
  private readonly write: (line: string) => void;
  private readonly chat: boolean;
  private readonly defaultRoom: string;

  constructor(write: (line: string) => void, chat: boolean, defaultRoom: string) {
    this.write = write;
    this.chat = chat;
    this.defaultRoom = defaultRoom;
  }

  started(address: AddressInfo, info: ServerInfo): void {
    const history = info.history === undefined ? '' : `, history: ${info.history.messages} messages a room, ${info.history.replayOnJoin} replayed on joining`;
    this.write(`Server started on ${formatAddress(address.address, address.port)} (framing: ${info.framing}${info.chat ? ', chat mode' : ''}${history})`);
    const cluster = info.cluster;
    if (cluster !== undefined) this.write(`Joining chat '${cluster.prefix}' on ${cluster.broker} ${cluster.url} as hub ${cluster.hubId}...`);
  }

  webStarted(address: AddressInfo, url: string): void {
    const bound = formatAddress(address.address, address.port);
    this.write(`Chat page at ${url}${url.includes(`//${bound}/`) ? '' : ` (listening on ${bound})`}`);
  }

  ircStarted(address: AddressInfo, tls: boolean): void {
    this.write(`IRC door on ${formatAddress(address.address, address.port)}${tls ? ' (TLS)' : ''}`);
  }

  metricsStarted(address: AddressInfo): void {
    this.write(`Metrics at http://${formatAddress(address.address, address.port)}/metrics (and /healthz, /readyz)`);
  }

  webRefused(address: string, reason: 'origin' | 'path', detail: string): void {
    this.write(`Refused a WebSocket from ${plainAddress(address)} (${reason}: ${printableLine(detail.slice(0, 200))})`);
  }

  hint(text: string): void {
    this.write(text);
  }

  reply(text: string): void {
    this.write(text);
  }

  connected(peer: LoggedPeer): void {
    this.write(`New connection from ${where(peer)}${this.chat ? `: ${peer.nick}` : ''}`);
  }

  message(peer: LoggedPeer, text: string): void {
    if (!this.chat) {
      this.write(`Received message from ${where(peer)}: ${printableLine(text)}`);
      return;
    }
    const room = peer.room === this.defaultRoom ? '' : `[${peer.room}] `;
    this.write(`${room}${peer.nick}: ${printableLine(text)}`);
  }

  disconnected(peer: LoggedPeer, reason: DisconnectReason, error?: Error): void {
    // A reset says all there is to say (`read ECONNRESET` adds nothing); other failures name their error.
    const detail = error === undefined || reason === 'client-closed' || reason === 'reset' ? reason : `${reason}: ${error.message}`;
    this.write(`Connection closed from ${where(peer)}${this.chat ? `: ${peer.nick}` : ''} (${detail})`);
  }

  refused(address: string, reason: AdmissionRefusal): void {
    this.write(`Refused a connection from ${plainAddress(address)} (${reason})`);
  }

  slowConsumer(peer: LoggedPeer, queuedBytes: number): void {
    this.write(`Slow consumer ${where(peer)}${this.chat ? `: ${peer.nick}` : ''} (${queuedBytes} bytes waiting for it)`);
  }

  clientError(peer: LoggedPeer, error: Error): void {
    this.write(`Trouble with ${where(peer)}: ${error.message}`);
  }

  tlsError(remote: RemoteEndpoint, error: Error): void {
    this.write(`TLS handshake failed from ${formatAddress(remote.address, remote.port)}: ${error.message}`);
  }

  joined(peer: LoggedPeer, room: string): void {
    this.write(`* ${peer.nick} joined ${room}`);
  }

  left(peer: LoggedPeer, room: string): void {
    this.write(`* ${peer.nick} left ${room}`);
  }

  renamed(peer: LoggedPeer, previous: string): void {
    this.write(`* ${previous} is now known as ${peer.nick}`);
  }

  said(text: string, delivered: number, clustered: boolean): void {
    if (delivered === 0 && !clustered) {
      this.write('(no clients connected)');
      return;
    }
    this.write(this.chat ? `${OPERATOR_NAME}: ${printableLine(text)}` : `Sent to ${delivered} client${delivered === 1 ? '' : 's'}: ${printableLine(text)}`);
  }

  kicked(peer: LoggedPeer, room: string, by: string, reason: string): void {
    this.write(`Kicked ${peer.nick} (${where(peer)}) from ${room} by ${by}${reason === '' ? '' : `: ${printableLine(reason)}`}`);
  }

  banned(entry: BanEntry): void {
    const until = entry.expiresAt === undefined ? '' : ` for ${span(entry.expiresAt - entry.setAt)}`;
    this.write(`Banned ${entry.mask} from ${entry.room ?? 'the server'} by ${entry.by}${until}${entry.reason === '' ? '' : `: ${printableLine(entry.reason)}`}`);
  }

  unbanned(entry: BanEntry): void {
    this.write(`Unbanned ${entry.mask} from ${entry.room ?? 'the server'}`);
  }

  muted(peer: LoggedPeer, expiresAt: number | undefined, by: string): void {
    this.write(`Muted ${peer.nick} (${where(peer)}) by ${by}${expiresAt === undefined ? '' : ` for ${span(expiresAt - Date.now())}`}`);
  }

  unmuted(peer: LoggedPeer): void {
    this.write(`Unmuted ${peer.nick} (${where(peer)})`);
  }

  topicChanged(room: string, topic: RoomTopic | undefined, by: string): void {
    this.write(topic === undefined ? `* the topic of ${room} was cleared by ${by}` : `* topic of ${room}: ${printableLine(topic.text)} (set by ${by})`);
  }

  operatorChanged(peer: LoggedPeer, operator: boolean): void {
    this.write(`${peer.nick} (${where(peer)}) is ${operator ? 'now' : 'no longer'} an operator`);
  }

  clusterStatus(status: AdapterStatus, info: NonNullable<ServerInfo['cluster']>): void {
    if (status === 'connected') this.write(`Cluster: connected to ${info.broker}; chat '${info.prefix}' is shared with the other servers on it`);
    else if (status === 'disconnected') this.write(`Cluster: lost ${info.broker}; serving this server's clients alone until it is back`);
  }

  clusterError(error: Error, info: NonNullable<ServerInfo['cluster']>, unreachable: boolean): void {
    const what = firstLine(describeSocketError(error));
    this.write(unreachable ? `Cluster: cannot reach ${info.broker} at ${info.url}: ${what}; serving this server's clients alone, retrying` : `Cluster: ${what}`);
  }

  inputClosed(): void {
    this.write('Console input closed; still serving (stop with Ctrl-C or SIGTERM).');
  }

  stopping(): void {
    this.write('Shutting down server...');
  }

  closed(): void {
    this.write('Server closed.');
  }

  failed(): void {
    // Standard error says it; the text log has nothing to add.
  }
}

/** An IP address as people write it: IPv4-mapped IPv6 addresses shown as IPv4. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

function where(peer: LoggedPeer): string {
  return formatAddress(peer.remoteAddress, peer.remotePort);
}

/** A ban's or mute's length as it was asked for: `2h`, `7d`, `90s` (to the second: a mute is reported a moment after it is set). */
function span(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  for (const [unit, size] of [['w', 604_800], ['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
