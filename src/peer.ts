import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DisconnectReason } from './disconnect-reason.js';
import { ConnectionError, describeSocketError, MessageTooLargeError, SlowConsumerError } from './errors.js';
import type { FlushScheduler } from './flush-scheduler.js';
import type { Codec, Decoder, FramingError, InvalidUtf8Policy } from './framing/codec.js';
import { OutboundQueue } from './outbound-queue.js';

/** What the hub does with a message over `maxMessageBytes`. */
export type OversizedMessagePolicy = 'drop' | 'disconnect';

/**
 * What a peer needs from the hub that owns it.
 * @internal
 */
export interface PeerHost<T, D> {
  readonly codec: Codec<T>;
  readonly scheduler: FlushScheduler;
  readonly maxMessageBytes: number;
  readonly maxQueuedBytes: number;
  readonly oversizedMessage: OversizedMessagePolicy;
  readonly invalidUtf8: InvalidUtf8Policy;
  readonly closeTimeout: number;
  peerMessage(peer: Peer<D>, message: T): void;
  peerError(peer: Peer<D>, error: Error): void;
  peerSlow(peer: Peer<D>, queuedBytes: number): void;
  peerClosed(peer: Peer<D>, reason: DisconnectReason, error: Error | undefined): void;
  /** An adaptive codec (`auto`, `mixed`) learnt the peer's framing. */
  peerFramingDetected(peer: Peer<D>): void;
  joinRoom(peer: Peer<D>, room: string): void;
  leaveRoom(peer: Peer<D>, room: string): boolean;
  renamePeer(peer: Peer<D>, nick: string): void;
}

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

/**
 * The hub's handle on one connected client: who it is, what it has sent and been sent,
 * and how to talk to it alone. Created by the hub; get one from its `connect` event or
 * `hub.clients`.
 *
 * @typeParam D - the type of `data`, the application's own per-client state.
 */
export class Peer<D = Record<string, unknown>> {
  /** A unique, stable id for this connection. */
  readonly id: string = randomUUID();
  /** The client's IP address, as the socket saw it when it connected. */
  readonly remoteAddress: string;
  /** The client's port. */
  readonly remotePort: number;
  /** The application's own state for this client; starts as an empty object. */
  data: D = {} as D;

  private readonly socket: Socket;
  private readonly host: PeerHost<unknown, D>;
  private readonly decoder: Decoder;
  private readonly queue: OutboundQueue;
  private readonly connectedMs = Date.now();
  private encoder: Codec<unknown>;
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
  private readingPaused = false;

  /** @internal */
  constructor(socket: Socket, host: PeerHost<unknown, D>) {
    this.socket = socket;
    this.host = host;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.encoder = host.codec;
    this.queue = new OutboundQueue(socket, host.scheduler, host.codec.delimited);
    this.decoder = host.codec.createDecoder({
      maxMessageBytes: host.maxMessageBytes,
      invalidUtf8: host.invalidUtf8,
      onMessage: this.onMessage,
      onError: this.onFramingError,
      onFramingDetected: this.onFramingDetected,
    });
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onClose);
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

  /** Sends a message to this client alone. Returns `false` if it is closing or gone. */
  send(message: string | Uint8Array): boolean {
    if (this.state !== OPEN) return false;
    return this.deliver(this.encoder.encode(message));
  }

  /**
   * Ends the connection after what is queued has been flushed; a client that does not
   * take it within the hub's `closeTimeout` is cut. `disconnect` then reports `reason`.
   */
  close(reason: DisconnectReason = 'kicked'): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    this.reason = reason;
    this.killTimer = setTimeout(this.destroySocket, this.host.closeTimeout);
    this.killTimer.unref();
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
    this.queue.enqueue(frame);
    this.sent += 1;
    this.sentBytes += frame.length;
    // Only a socket that refuses writes is a slow consumer: what one turn queues for a
    // client that keeps up is written at the end of the turn, whatever its size.
    if (!this.queue.isBlocked) return true;
    const queued = this.queue.queuedBytes;
    if (queued > this.host.maxQueuedBytes) {
      this.host.peerError(this, new SlowConsumerError(queued, this.host.maxQueuedBytes));
      this.host.peerSlow(this, queued);
      this.destroy('slow-consumer');
      return false;
    }
    return true;
  }

  /**
   * The codec frames for this peer must be encoded with.
   * @internal
   */
  get frameEncoder(): Codec<unknown> {
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
  pauseReading(): void {
    if (this.readingPaused || this.state !== OPEN) return;
    this.readingPaused = true;
    this.socket.pause();
  }

  /**
   * Reads from the socket again.
   * @internal
   */
  resumeReading(): void {
    if (!this.readingPaused) return;
    this.readingPaused = false;
    this.socket.resume();
  }

  /** A short description for logs: `id (address:port)`. */
  toString(): string {
    return `${this.id} (${this.remoteAddress}:${this.remotePort})`;
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.state !== OPEN) return;
    this.receivedBytes += chunk.length;
    this.decoder.push(chunk);
  };

  private readonly onMessage = (message: unknown): void => {
    if (this.state !== OPEN) return;
    this.received += 1;
    this.host.peerMessage(this, message);
  };

  private readonly onFramingError = (error: FramingError): void => {
    if (this.state !== OPEN) return;
    this.host.peerError(this, error.forPeer(this.toString()));
    if (error instanceof MessageTooLargeError && this.host.oversizedMessage === 'disconnect') {
      this.close('too-large');
    }
  };

  private readonly onFramingDetected = (codec: Codec<unknown>): void => {
    this.encoder = codec;
    this.queue.coalesce = codec.delimited;
    this.host.peerFramingDetected(this);
  };

  private readonly onEnd = (): void => {
    if (this.state === OPEN) this.decoder.end();
  };

  private readonly onSocketError = (error: Error): void => {
    this.socketError ??= error;
    // Errors after the hub chose to close (a write to a reset socket, say) are expected noise.
    if (this.state === OPEN) {
      this.host.peerError(this, new ConnectionError(`connection to ${this.toString()} failed: ${describeSocketError(error)}`, error));
    }
  };

  private readonly onClose = (): void => {
    this.state = CLOSED;
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.queue.discard();
    this.host.peerClosed(this, this.reason ?? reasonFor(this.socketError), this.socketError);
  };

  /** Ends the socket once everything queued has been handed to it, backpressure or not. */
  private readonly endAfterFlush = (): void => {
    this.queue.flush();
    if (this.queue.isBlocked && !this.socket.destroyed) {
      // The queue's own drain listener was added first, so it writes more before this runs again.
      this.socket.once('drain', this.endAfterFlush);
      return;
    }
    this.socket.end();
  };

  private readonly destroySocket = (): void => {
    this.socket.destroy();
  };
}

function reasonFor(error: Error | undefined): DisconnectReason {
  if (error === undefined) return 'client-closed';
  return (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'reset' : 'error';
}
