import { isIPv6 } from 'node:net';
import type { HubBye } from './protocol/control-frames.js';
import type { DisconnectReason } from './protocol/disconnect-reason.js';

/**
 * Stable codes carried by every error this library creates, so callers can branch on
 * `error.code` instead of parsing messages.
 */
export type BroadcastChatErrorCode =
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_INVALID_UTF8'
  | 'ERR_SLOW_CONSUMER'
  | 'ERR_CONNECTION'
  | 'ERR_CONNECT_FAILED'
  | 'ERR_LISTEN_FAILED'
  | 'ERR_NOT_CONNECTED'
  | 'ERR_HUB_CLOSED'
  | 'ERR_LISTENER'
  | 'ERR_ABORTED'
  | 'ERR_CONNECTION_LOST'
  | 'ERR_RECONNECT_FAILED'
  | 'ERR_OFFLINE_QUEUE_FULL'
  | 'ERR_HANDLER'
  | 'ERR_INVALID_NAME'
  | 'ERR_NAME_TAKEN'
  | 'ERR_CLUSTER_UNAVAILABLE'
  | 'ERR_INVALID_ENVELOPE'
  | 'ERR_AUTH_FAILED'
  | 'ERR_ALREADY_CONNECTED'
  | 'ERR_REFUSED'
  | 'ERR_NOT_OPERATOR'
  | 'ERR_OPER_FAILED'
  | 'ERR_BAD_MASK'
  | 'ERR_BAD_DURATION'
  | 'ERR_TOO_MANY_BANS'
  | 'ERR_BANNED'
  | 'ERR_MUTED'
  | 'ERR_NO_SUCH_NICK';

/** Every `BroadcastChatErrorCode`, at run time: the compiler checks that none is missing. */
const errorCodes: Readonly<Record<BroadcastChatErrorCode, true>> = {
  ERR_MESSAGE_TOO_LARGE: true,
  ERR_INVALID_UTF8: true,
  ERR_SLOW_CONSUMER: true,
  ERR_CONNECTION: true,
  ERR_CONNECT_FAILED: true,
  ERR_LISTEN_FAILED: true,
  ERR_NOT_CONNECTED: true,
  ERR_HUB_CLOSED: true,
  ERR_LISTENER: true,
  ERR_ABORTED: true,
  ERR_CONNECTION_LOST: true,
  ERR_RECONNECT_FAILED: true,
  ERR_OFFLINE_QUEUE_FULL: true,
  ERR_HANDLER: true,
  ERR_INVALID_NAME: true,
  ERR_NAME_TAKEN: true,
  ERR_CLUSTER_UNAVAILABLE: true,
  ERR_INVALID_ENVELOPE: true,
  ERR_AUTH_FAILED: true,
  ERR_ALREADY_CONNECTED: true,
  ERR_REFUSED: true,
  ERR_NOT_OPERATOR: true,
  ERR_OPER_FAILED: true,
  ERR_BAD_MASK: true,
  ERR_BAD_DURATION: true,
  ERR_TOO_MANY_BANS: true,
  ERR_BANNED: true,
  ERR_MUTED: true,
  ERR_NO_SUCH_NICK: true,
};

/** Whether `code` (a hub's, say) is one of this library's stable codes. */
export function isBroadcastChatErrorCode(code: string): code is BroadcastChatErrorCode {
  return Object.hasOwn(errorCodes, code);
}

/** Base class of every error thrown or reported by broadcast-chat. */
export class BroadcastChatError extends Error {
  /** A stable, machine-readable code. */
  readonly code: BroadcastChatErrorCode;

  constructor(code: BroadcastChatErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A message (or a length prefix) exceeded `maxMessageBytes`; it was not buffered.
 * Decoders create it without knowing the connection; the hub reports `forPeer()`'s copy,
 * which names the peer.
 */
export class MessageTooLargeError extends BroadcastChatError {
  /** The configured limit, in bytes. */
  readonly limit: number;
  /** How many bytes the message had, or had reached when it was refused. */
  readonly size: number;
  /** The peer that sent it, as `id (address:port)`, once known. */
  readonly peer: string | undefined;

  constructor(size: number, limit: number, peer?: string) {
    super('ERR_MESSAGE_TOO_LARGE', `message of ${size} bytes or more${from(peer)} exceeds the limit of ${limit} bytes`);
    this.size = size;
    this.limit = limit;
    this.peer = peer;
  }

  /** The same error, naming the peer that sent the message. */
  forPeer(peer: string): MessageTooLargeError {
    return new MessageTooLargeError(this.size, this.limit, peer);
  }
}

/** A text message was not valid UTF-8 and the `invalidUtf8: 'reject'` policy dropped it. */
export class InvalidUtf8Error extends BroadcastChatError {
  /** The peer that sent it, as `id (address:port)`, once known. */
  readonly peer: string | undefined;

  constructor(peer?: string) {
    super('ERR_INVALID_UTF8', `message${from(peer)} is not valid UTF-8`);
    this.peer = peer;
  }

  /** The same error, naming the peer that sent the message. */
  forPeer(peer: string): InvalidUtf8Error {
    return new InvalidUtf8Error(peer);
  }
}

function from(peer: string | undefined): string {
  return peer === undefined ? '' : ` from ${peer}`;
}

/** A peer stopped reading and its outgoing queue passed `maxQueuedBytes`. */
export class SlowConsumerError extends BroadcastChatError {
  /** Bytes waiting for the peer when the limit was hit. */
  readonly queuedBytes: number;
  /** The configured limit, in bytes. */
  readonly limit: number;

  constructor(queuedBytes: number, limit: number) {
    super('ERR_SLOW_CONSUMER', `peer has ${queuedBytes} bytes queued, over the limit of ${limit}`);
    this.queuedBytes = queuedBytes;
    this.limit = limit;
  }
}

/** A connection failed after it was established (reset, broken pipe...). `cause` holds the socket error. */
export class ConnectionError extends BroadcastChatError {
  constructor(message: string, cause: unknown) {
    super('ERR_CONNECTION', message, { cause });
  }
}

/**
 * `connect()` could not reach a hub, or (`JsonChatClient`) the hub did not welcome the client:
 * no welcome within `connectTimeout`, or the connection closed first. `cause` holds the socket
 * error, the timeout, or the `ConnectionLostError`.
 */
export class ConnectError extends BroadcastChatError {
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, cause: unknown) {
    super('ERR_CONNECT_FAILED', `could not connect to ${hostPort(host, port)}: ${describeSocketError(cause)}`, { cause });
    this.host = host;
    this.port = port;
  }
}

/** `BroadcastHub.listen()` could not bind. `cause` holds the server error. */
export class ListenError extends BroadcastChatError {
  constructor(where: string, cause: unknown) {
    super('ERR_LISTEN_FAILED', `could not listen on ${where}: ${describeSocketError(cause)}`, { cause });
  }
}

/** `send()` was called on a client that is not connected. */
export class NotConnectedError extends BroadcastChatError {
  constructor() {
    super('ERR_NOT_CONNECTED', 'the client is not connected');
  }
}

/** `connect()` was called on a client that is already connected, connecting or reconnecting. */
export class AlreadyConnectedError extends BroadcastChatError {
  constructor() {
    super('ERR_ALREADY_CONNECTED', 'connect() was already called on this client: it is connected (or connecting); close() it before connecting again');
  }
}

/** The hub was closed (or is closing) and cannot do what was asked. */
export class HubClosedError extends BroadcastChatError {
  constructor() {
    super('ERR_HUB_CLOSED', 'the hub is closed');
  }
}

/** An application listener threw while the hub was dispatching a client's message; `cause` holds what it threw. */
export class ListenerError extends BroadcastChatError {
  /** The event whose listener threw. */
  readonly event: string;

  constructor(event: string, cause: unknown) {
    super('ERR_LISTENER', `a '${event}' listener threw: ${String(cause)}`, { cause });
    this.event = event;
  }
}

/** An operation was cancelled through its `AbortSignal`; `cause` holds the signal's reason. */
export class AbortError extends BroadcastChatError {
  constructor(cause?: unknown) {
    super('ERR_ABORTED', 'the operation was aborted', { cause });
  }
}

/** `host:port`, with an IPv6 address in brackets so that the port stays readable. */
function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

const socketErrorText: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EACCES: 'permission denied',
  EPIPE: 'broken pipe',
};

/** Turns a Node socket error into a short human sentence such as `connection refused (ECONNREFUSED)`. */
export function describeSocketError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = code === undefined ? undefined : socketErrorText[code];
    if (code !== undefined && text !== undefined) return `${text} (${code})`;
    // Happy-eyeballs connects (Node 20's default for host names) fail with an AggregateError
    // whose own message is empty: describe the first attempt instead.
    const [first] = error instanceof AggregateError ? (error.errors as unknown[]) : [];
    if (first !== undefined && error.message === '') return describeSocketError(first);
    return error.message === '' ? (code ?? error.name) : error.message;
  }
  return String(error);
}

/**
 * A connection that was up was lost (the hub closed it, said `bye`, reset it, or stopped
 * answering). Handed to `reconnect.retryStrategy` and carried by the `end` event when the client
 * does not reconnect. `cause` holds the socket error, if there was one.
 */
export class ConnectionLostError extends BroadcastChatError {
  /** Why, as the client's `disconnect` event reported it. */
  readonly reason: DisconnectReason;
  /** What the hub said in its `bye` envelope before closing, if it said anything. */
  readonly bye: HubBye | undefined;

  constructor(reason: DisconnectReason, cause?: unknown, bye?: HubBye) {
    const said = bye === undefined ? '' : `; the hub said bye (${bye.reason})${bye.message === undefined ? '' : `: ${bye.message}`}`;
    super('ERR_CONNECTION_LOST', `the connection to the hub was lost (${reason})${said}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.bye = bye;
  }
}

/** `ChatClient` gave up reconnecting (its strategy said stop, or `maxAttempts` ran out). `cause` is the last failure. */
export class ReconnectFailedError extends BroadcastChatError {
  /** Reconnect attempts made before giving up. */
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super('ERR_RECONNECT_FAILED', `gave up reconnecting after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.attempts = attempts;
  }
}

/**
 * `send()` was called while the client was reconnecting and its offline queue was full
 * (`maxOfflineMessages` or `maxOfflineBytes`). The message was not queued: nothing already
 * queued is dropped to make room, so nothing is lost without the sender knowing.
 */
export class OfflineQueueFullError extends BroadcastChatError {
  /** Messages waiting in the queue. */
  readonly queuedMessages: number;
  /** Bytes waiting in the queue (encoded). */
  readonly queuedBytes: number;

  constructor(queuedMessages: number, queuedBytes: number, limit: string) {
    super('ERR_OFFLINE_QUEUE_FULL', `the offline queue is full (${queuedMessages} messages, ${queuedBytes} bytes; limit ${limit}) while reconnecting`);
    this.queuedMessages = queuedMessages;
    this.queuedBytes = queuedBytes;
  }
}
