import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { END_GRACE_MS } from '../defaults.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import { ConnectionError, describeSocketError, MessageTooLargeError, SlowConsumerError } from '../errors.js';
import { closeFarewell, type FarewellWords } from '../protocol/farewell.js';
import type { FlushScheduler } from '../transport/flush-scheduler.js';
import type { InputKind } from '../protocol/classify.js';
import type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from '../protocol/codec.js';
import { asProtocol, type Protocol } from '../protocol/protocol.js';
import type { InputGate } from '../transport/input-gate.js';
import { OutboundQueue } from '../transport/outbound-queue.js';
import type { HubCounters } from './hub-counters.js';
import { isRenegotiationAttack } from './tls.js';

/** What the hub does with a message over `maxMessageBytes`. */
export type OversizedMessagePolicy = 'drop' | 'disconnect';

/**
 * What happens to a client whose queue passes `maxQueuedBytes`: `'disconnect'` cuts it
 * (default); `'drop'` keeps it and drops what is sent to it until its queue drains, so it
 * misses those messages.
 */
export type SlowConsumerPolicy = 'disconnect' | 'drop';

/** Where a connection comes from: the address and port the hub reports for it. */
export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * Options for `peer.close()`: what the client is told (see `FarewellWords`), and how long
 * it gets to take what is queued.
 */
export interface PeerCloseOptions extends FarewellWords {
  /** Milliseconds the client gets to take what is queued before it is cut. Default: the hub's `closeTimeout`. */
  readonly timeout?: number;
}

/**
 * What a peer needs from the hub that owns it.
 * @internal
 */
export interface PeerHost<T, D> {
  readonly codec: Protocol<T>;
  readonly scheduler: FlushScheduler;
  readonly maxMessageBytes: number;
  readonly maxQueuedBytes: number;
  readonly oversizedMessage: OversizedMessagePolicy;
  readonly slowConsumerPolicy: SlowConsumerPolicy;
  readonly invalidUtf8: InvalidUtf8Policy;
  readonly closeTimeout: number;
  /** What the hub reads, metered against what it owes its receivers. */
  readonly input: InputGate;
  /** Bytes owed to a peer past which it holds the hub's readers back (see `InputGate`). */
  readonly congestionMark: number;
  /** The hub's counters, for `hub.stats()`: bumped here for each byte, message and frame. */
  readonly counters: HubCounters;
  peerMessage(peer: Peer<D>, message: T, kind: InputKind): void;
  peerError(peer: Peer<D>, error: Error): void;
  peerSlow(peer: Peer<D>, queuedBytes: number): void;
  peerClosed(peer: Peer<D>, reason: DisconnectReason, error: Error | undefined): void;
  /** An adaptive codec (`auto`, `mixed`) learnt the peer's framing; it was spoken to in `previous` until now. */
  peerFramingDetected(peer: Peer<D>, previous: string): void;
  joinRoom(peer: Peer<D>, room: string): void;
  leaveRoom(peer: Peer<D>, room: string): boolean;
  renamePeer(peer: Peer<D>, nick: string): void;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/**
 * Reasons the hub stops reading from a peer, as bits, so that one resuming cannot undo another's pause.
 * @internal
 */
export const PAUSED_BY_HANDLERS = 1;
/** @internal */
export const PAUSED_BY_FLOOD = 2;
/** @internal */
export const PAUSED_BY_AUTH = 4;
/** @internal The hub's input gate holds it back: a turn's input is spent, or output is congested. */
export const PAUSED_BY_INPUT = 8;
/** @internal The cluster adapter's outbound budget is spent: this peer's messages wait for the broker. */
export const PAUSED_BY_CLUSTER = 16;

/**
 * The peer a stream belongs to, kept on the stream itself: one set of module-level listeners
 * then serves every connection, instead of a closure (with its own property dictionary) per
 * event per connection. That is most of what an idle connection costs beyond the socket.
 */
const PEER = Symbol('broadcast-chat.peer');

/** A stream that carries its peer. */
type PeerStream = Duplex & { [PEER]?: Peer<unknown> };

/**
 * The hub's handle on one connected client: who it is, what it has sent and been sent,
 * and how to talk to it alone. Created by the hub; get one from its `connect` event or
 * `hub.clients`.
 *
 * @typeParam D - the type of `data`, the application's own per-client state.
 */
export class Peer<D = Record<string, unknown>> {
  /** The client's IP address, as the socket saw it when it connected (or the socket path's peer, `''`). */
  readonly remoteAddress: string;
  /** The client's port. */
  readonly remotePort: number;
  /** The application's own state for this client; starts as an empty object. */
  data: D = {} as D;

  /** The connection: a TCP or TLS socket, or any stream-shaped transport. */
  private readonly socket: Duplex;
  private readonly host: PeerHost<unknown, D>;
  private readonly decoder: Decoder;
  private readonly queue: OutboundQueue;
  private readonly connectedMs = Date.now();
  /** The id, made on first use: most connections are never asked for it. */
  private uuid: string | undefined;
  private encoder: Protocol<unknown>;
  private state = OPEN;
  private reason: DisconnectReason | undefined;
  private socketError: Error | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private received = 0;
  private receivedBytes = 0;
  private sent = 0;
  private sentBytes = 0;
  private nickname = '';
  private readonly roomSet = new Set<string>();
  private currentRoom = '';
  /** Who stopped reading from the socket: a set of `PAUSED_BY_*` bits; reading resumes when none is left. */
  private pausedBy = 0;
  /** Over `maxQueuedBytes` under the `drop` policy: frames are dropped until the socket drains. */
  private lagging = false;
  /** Owed more than the congestion mark: the hub's readers wait for it (for a while), and it reads nothing itself. */
  private congested = false;
  /** An operator of the hub (moderation). */
  private isOperator = false;

  /** @internal */
  constructor(socket: Duplex, host: PeerHost<unknown, D>, remote: RemoteAddress, protocol: Protocol<unknown> = host.codec) {
    this.socket = socket;
    this.host = host;
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    this.encoder = protocol;
    this.queue = new OutboundQueue(socket, host.scheduler, protocol.delimited, this);
    this.decoder = protocol.createDecoder(new DecoderSink(this, host.maxMessageBytes, host.invalidUtf8));
    (socket as PeerStream)[PEER] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /** A unique, stable id for this connection. */
  get id(): string {
    return (this.uuid ??= randomUUID());
  }

  /** When the client connected. */
  get connectedAt(): Date {
    return new Date(this.connectedMs);
  }

  /** The framing this client is spoken to in (for `auto`, what was detected). */
  get framing(): string {
    return this.encoder.name;
  }

  /** Messages received from this client. */
  get messagesIn(): number {
    return this.received;
  }

  /** Bytes received from this client. */
  get bytesIn(): number {
    return this.receivedBytes;
  }

  /** Messages queued for this client. */
  get messagesOut(): number {
    return this.sent;
  }

  /** Bytes queued for this client, framing included. */
  get bytesOut(): number {
    return this.sentBytes;
  }

  /** Bytes waiting to be sent to this client right now. */
  get bytesQueued(): number {
    return this.queue.queuedBytes;
  }

  /** Bytes received that wait for the rest of their message (a line without its newline yet). */
  get bytesBuffered(): number {
    return this.decoder.bufferedBytes;
  }

  /** Whether the peer can still be sent messages. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** The peer's nickname: a guest name such as `guest-3` until it picks one. Unique on the hub, regardless of case. */
  get nick(): string {
    return this.nickname;
  }

  /**
   * Changes the nickname (announced to the peer's rooms in chat mode). Throws a `NameError`
   * when the name is invalid (`ERR_INVALID_NAME`) or someone else has it (`ERR_NAME_TAKEN`).
   */
  setNick(nick: string): void {
    if (nick !== this.nickname) this.host.renamePeer(this, nick);
  }

  /**
   * Whether this client is an operator of the hub, who may kick, ban, mute and set topics:
   * made one by its `authenticate` result (`{ operator: true }`), `/oper` (IRC `OPER`) or
   * `hub.moderation.setOperator()`.
   */
  get operator(): boolean {
    return this.isOperator;
  }

  /**
   * Records operator status (moderation decides).
   * @internal
   */
  markOperator(operator: boolean): void {
    this.isOperator = operator;
  }

  /** The room this peer talks in: where its messages are relayed. */
  get room(): string {
    return this.currentRoom;
  }

  /** Every room this peer is in, and so hears. */
  get rooms(): ReadonlySet<string> {
    return this.roomSet;
  }

  /**
   * Joins `room` (created if needed) and makes it the room this peer talks in; it stays in
   * the others. Throws a `NameError` for an invalid room name, a `RangeError` past the
   * per-peer room limit.
   */
  join(room: string): void {
    this.host.joinRoom(this, room);
  }

  /**
   * Leaves `room`. Leaving the room it talks in moves it to the room it joined last; leaving
   * its last room puts it back in the default room. Returns `false` if it was not in `room`,
   * or `room` is the default room and its only one.
   */
  leave(room: string): boolean {
    return this.host.leaveRoom(this, room);
  }

  /**
   * Sends a message to this client alone. Returns `false` if it is closing or gone, or if it
   * was dropped because the client is behind (`slowConsumerPolicy: 'drop'`).
   */
  send(message: string | Uint8Array): boolean {
    if (this.state !== OPEN) return false;
    return this.deliver(this.encoder.encode(message));
  }

  /**
   * Ends the connection after what is queued has been flushed. The client is told why first,
   * where its protocol allows (a `bye` envelope, or one `* disconnected: kicked (...)` line):
   * `options` may be the words to tell it, or carry them with a retry hint and the `timeout`
   * (default: the hub's `closeTimeout`) after which a client that does not take its data is
   * cut. Clients that left, failed or stopped reading are told nothing. `disconnect` then
   * reports `reason`.
   */
  close(reason: DisconnectReason = 'kicked', options: string | PeerCloseOptions = {}): void {
    if (this.state !== OPEN) return;
    const { timeout = this.host.closeTimeout, ...words } = typeof options === 'string' ? { message: options } : options;
    // Encoded before the state leaves OPEN, queued after it: a listener of the output cap's
    // events then cannot re-enter close(), and the goodbye goes past the cap.
    const farewell = closeFarewell(reason, words);
    const frame = farewell === undefined ? undefined : this.encoder.farewell(farewell);
    this.state = CLOSING;
    if (frame !== undefined) {
      this.queue.enqueue(frame);
      this.sent += 1;
      this.sentBytes += frame.length;
      this.host.counters.deliveries += 1;
      this.host.counters.bytesOut += frame.length;
    }
    this.reason = reason;
    this.killTimer = setTimeout(destroySocket, timeout, this.socket);
    this.killTimer.unref();
    if (this.pausedBy !== 0) {
      // Read (and ignore) what it still sends: closing over unread input resets the connection,
      // which can make the client lose what we sent last.
      this.pausedBy = 0;
      this.socket.resume();
    }
    this.endAfterFlush();
  }

  /** Cuts the connection at once, dropping anything queued. */
  destroy(reason: DisconnectReason = 'kicked'): void {
    if (this.state === CLOSED) return;
    this.state = CLOSING;
    this.reason ??= reason;
    this.queue.discard();
    this.socket.destroy();
  }

  /**
   * Queues an already-encoded frame; the broadcast path calls this with one shared buffer
   * for every receiver.
   * @internal
   */
  deliver(frame: Buffer): boolean {
    if (this.state !== OPEN) return false;
    const counters = this.host.counters;
    if (this.lagging) {
      if (this.queue.isBlocked) {
        counters.deliveriesDropped += 1;
        return false;
      }
      this.lagging = false;
    }
    // The hard cap is checked before the frame is queued, so it holds at once: a turn's worth
    // of input is bounded (the scheduler's read budget), so a client that keeps up never meets it.
    const queued = this.queue.queuedBytes + frame.length;
    if (queued > this.host.maxQueuedBytes) {
      this.host.peerError(this, new SlowConsumerError(queued, this.host.maxQueuedBytes));
      this.host.peerSlow(this, queued);
      if (this.host.slowConsumerPolicy === 'drop') {
        // The client misses this frame and what follows until its socket drains.
        this.lagging = true;
        counters.deliveriesDropped += 1;
        return false;
      }
      this.destroy('slow-consumer');
      return false;
    }
    this.queue.enqueue(frame);
    this.sent += 1;
    this.sentBytes += frame.length;
    counters.deliveries += 1;
    counters.bytesOut += frame.length;
    this.host.input.delivered();
    if (!this.congested && queued > this.host.congestionMark) {
      this.congested = true;
      this.host.input.congest(this);
    }
    return true;
  }

  /**
   * The gate lets this peer read again.
   * @internal
   */
  resumeInput(): void {
    this.resumeReading(PAUSED_BY_INPUT);
  }

  /**
   * Its socket took what was queued: a congested peer that is back under the mark stops
   * holding the hub's readers back, and reads again itself.
   * @internal
   */
  queueDrained(): void {
    if (!this.congested || this.queue.queuedBytes > this.host.congestionMark) return;
    this.congested = false;
    this.host.input.relieve(this);
    this.resumeReading(PAUSED_BY_INPUT);
  }

  /**
   * The codec frames for this peer must be encoded with.
   * @internal
   */
  get frameEncoder(): Protocol<unknown> {
    return this.encoder;
  }

  /**
   * Records the nickname the hub assigned.
   * @internal
   */
  assignNick(nick: string): void {
    this.nickname = nick;
  }

  /**
   * Records that the peer is in `room` and talks there.
   * @internal
   */
  enterRoom(room: string): void {
    this.roomSet.add(room);
    this.currentRoom = room;
  }

  /**
   * Records that the peer left `room`; it then talks in the room it joined last, if any.
   * @internal
   */
  exitRoom(room: string): void {
    this.roomSet.delete(room);
    if (this.currentRoom !== room) return;
    let last = '';
    for (const other of this.roomSet) last = other;
    this.currentRoom = last;
  }

  /**
   * Stops reading from the socket: the hub has too many of this peer's messages waiting.
   * @internal
   */
  pauseReading(by: number = PAUSED_BY_HANDLERS): void {
    if (this.state !== OPEN) return;
    const was = this.pausedBy;
    this.pausedBy |= by;
    if (was === 0) this.socket.pause();
  }

  /**
   * Reads from the socket again.
   * @internal
   */
  resumeReading(by: number = PAUSED_BY_HANDLERS): void {
    if ((this.pausedBy & by) === 0) return;
    this.pausedBy &= ~by;
    if (this.pausedBy === 0) this.socket.resume();
  }

  /**
   * Whether the hub has stopped reading from this peer: its silence is then the hub's doing.
   * @internal
   */
  get isReadingPaused(): boolean {
    return this.pausedBy !== 0;
  }

  /** A short description for logs: `id (address:port)`. */
  toString(): string {
    return `${this.id} (${this.remoteAddress}:${this.remotePort})`;
  }

  /**
   * A chunk read from the socket.
   * @internal
   */
  handleData(chunk: Buffer): void {
    if (this.state !== OPEN) return;
    if (!this.host.input.admit(this, chunk.length, this.congested)) {
      // Not now: the chunk goes back, unread, until the gate (or this peer's own drain) lets it in.
      this.pauseReading(PAUSED_BY_INPUT);
      this.socket.unshift(chunk);
      return;
    }
    this.receivedBytes += chunk.length;
    this.host.counters.bytesIn += chunk.length;
    this.decoder.push(chunk);
  }

  /**
   * A message the decoder completed.
   * @internal
   */
  handleMessage(message: unknown): void {
    if (this.state !== OPEN) return;
    this.received += 1;
    this.host.counters.messagesIn += 1;
    this.host.peerMessage(this, message, this.encoder.classify(message));
  }

  /**
   * A message the decoder dropped, and why.
   * @internal
   */
  handleFramingError(error: FramingError): void {
    if (this.state !== OPEN) return;
    this.host.peerError(this, error.forPeer(this.toString()));
    if (error instanceof MessageTooLargeError && this.host.oversizedMessage === 'disconnect') {
      this.close('too-large', `message over ${this.host.maxMessageBytes} bytes`);
    }
  }

  /**
   * An adaptive codec learnt the peer's framing.
   * @internal
   */
  handleFramingDetected(codec: Codec<unknown>): void {
    if (this.state !== OPEN) return;
    const previous = this.encoder.name;
    this.encoder = asProtocol(codec);
    this.queue.coalesce = codec.delimited;
    this.host.peerFramingDetected(this, previous);
  }

  /**
   * The client finished sending.
   * @internal
   */
  handleEnd(): void {
    if (this.state === OPEN) this.decoder.end();
  }

  /**
   * The socket failed.
   * @internal
   */
  handleSocketError(error: Error): void {
    this.socketError ??= error;
    // Errors after the hub chose to close (a write to a reset socket, say) are expected noise.
    if (this.state === OPEN) {
      this.host.peerError(this, new ConnectionError(`connection to ${this.toString()} failed: ${describeSocketError(error)}`, error));
    }
    // Node reports a TLS renegotiation flood but lets it go on: cut it, even mid-close.
    if (isRenegotiationAttack(error)) this.destroy('tls-renegotiation');
  }

  /**
   * The socket closed.
   * @internal
   */
  handleClose(): void {
    this.state = CLOSED;
    this.host.input.relieve(this);
    this.host.input.forget(this);
    // An undecided `auto` decoder holds a timer: nothing it decides now concerns anyone.
    this.decoder.dispose?.();
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.queue.discard();
    this.host.peerClosed(this, this.reason ?? reasonFor(this.socketError), this.socketError);
  }

  /**
   * Ends the socket once everything queued has been handed to it, backpressure or not.
   * @internal
   */
  endAfterFlush(): void {
    this.queue.flush();
    if (this.queue.isBlocked && !this.socket.destroyed) {
      // The queue's own drain listener was added first, so it writes more before this runs again.
      this.socket.once('drain', onSocketDrainWhileClosing);
      return;
    }
    this.socket.end(() => {
      // Everything is with the kernel, which still delivers it after the socket is destroyed.
      // Do not wait for the client's FIN: `nc` keeps its half open, and would hold the close
      // (and `hub.close()`) for the whole close timeout.
      if (this.state === CLOSED) return;
      if (this.killTimer !== undefined) clearTimeout(this.killTimer);
      this.killTimer = setTimeout(destroySocket, END_GRACE_MS, this.socket);
      this.killTimer.unref();
    });
  }
}

/**
 * What the peer's decoder reports to: one object per peer whose callbacks are prototype
 * methods, in place of three closures. Decoders call them as methods (`options.onMessage(m)`).
 */
class DecoderSink implements DecoderOptions<unknown> {
  readonly maxMessageBytes: number;
  readonly invalidUtf8: InvalidUtf8Policy;
  private readonly peer: Peer<unknown>;

  constructor(peer: Peer<unknown>, maxMessageBytes: number, invalidUtf8: InvalidUtf8Policy) {
    this.peer = peer;
    this.maxMessageBytes = maxMessageBytes;
    this.invalidUtf8 = invalidUtf8;
  }

  onMessage(message: unknown): void {
    this.peer.handleMessage(message);
  }

  onError(error: FramingError): void {
    this.peer.handleFramingError(error);
  }

  onFramingDetected(codec: Codec<unknown>): void {
    this.peer.handleFramingDetected(codec);
  }
}

// The socket listeners, shared by every peer: `this` is the socket, which carries its peer.

function onSocketData(this: PeerStream, chunk: Buffer): void {
  this[PEER]?.handleData(chunk);
}

function onSocketEnd(this: PeerStream): void {
  this[PEER]?.handleEnd();
}

function onSocketError(this: PeerStream, error: Error): void {
  this[PEER]?.handleSocketError(error);
}

function onSocketClose(this: PeerStream): void {
  this[PEER]?.handleClose();
}

function onSocketDrainWhileClosing(this: PeerStream): void {
  this[PEER]?.endAfterFlush();
}

/** The close timeout's timer callback: `setTimeout(destroySocket, ms, socket)` needs no closure per peer. */
function destroySocket(socket: Duplex): void {
  socket.destroy();
}

function reasonFor(error: Error | undefined): DisconnectReason {
  if (error === undefined) return 'client-closed';
  return (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'reset' : 'error';
}
