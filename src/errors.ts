import { isIPv6 } from 'node:net';

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
  | 'ERR_HANDLER'
  | 'ERR_INVALID_NAME'
  | 'ERR_NAME_TAKEN'
  | 'ERR_INVALID_ENVELOPE';

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

/** `ChatClient.connect()` could not reach a hub. `cause` holds the socket error. */
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
