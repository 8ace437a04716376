/**
 * The envelopes of the `json` protocol (see docs/protocol-json.md): one JSON object per
 * line, each with a `type` and the protocol version `v`.
 */

/** The protocol version this library speaks and accepts. */
export const PROTOCOL_VERSION = 1;

/** A chat message relayed by the hub. `action` marks a `/me` action. */
export interface MessageEnvelope {
  v: 1;
  type: 'message';
  /** Unique among the hub's messages. */
  id: string;
  /** The sender's nickname. */
  sender: string;
  /** The room it was said in. */
  room: string;
  text: string;
  /** Milliseconds since the epoch, when the hub relayed it. */
  ts: number;
  action?: boolean;
}

/** A direct message from one peer to another. */
export interface DirectEnvelope {
  v: 1;
  type: 'direct';
  id: string;
  sender: string;
  /** The receiver's nickname. */
  to: string;
  text: string;
  ts: number;
}

/** Someone joined a room. */
export interface JoinEnvelope {
  v: 1;
  type: 'join';
  nick: string;
  room: string;
  ts: number;
}

/** Someone left a room (or the hub: then `reason` may say why). */
export interface LeaveEnvelope {
  v: 1;
  type: 'leave';
  nick: string;
  room: string;
  ts: number;
  reason?: string;
}

/** Someone changed nickname from `from` to `nick`. */
export interface NickEnvelope {
  v: 1;
  type: 'nick';
  from: string;
  nick: string;
  ts: number;
}

/**
 * A notice from the hub: a command's answer, a welcome (which carries your `nick` and
 * `room`), or text the application broadcast. `/who` and `/rooms` answers list `names`.
 */
export interface SystemEnvelope {
  v: 1;
  type: 'system';
  text: string;
  ts: number;
  nick?: string;
  room?: string;
  names?: string[];
}

/** The hub refused something this client sent. */
export interface ErrorEnvelope {
  v: 1;
  type: 'error';
  /** A stable code such as `ERR_INVALID_ENVELOPE`, `ERR_NAME_TAKEN` or `ERR_UNKNOWN_COMMAND`. */
  code: string;
  message: string;
  ts: number;
}

/**
 * The hub checks that a JSON client is still there (heartbeat). The client answers with a
 * `pong` carrying the same `ts`; a client that has not answered by the next ping is cut with
 * reason `heartbeat`.
 */
export interface PingEnvelope {
  v: 1;
  type: 'ping';
  /** Milliseconds since the epoch, when the hub sent it; echo it back unchanged. */
  ts: number;
}

/**
 * The hub is about to close this connection, and why. Sent just before the close (never to
 * a client that is not reading: those are cut without a word).
 */
export interface ByeEnvelope {
  v: 1;
  type: 'bye';
  /** A disconnect reason such as `shutdown`, `idle`, `flood`, `heartbeat`, `timeout` or `server-full`. */
  reason: string;
  /** What happened, for people: `no input for 3600 s`. */
  message: string;
  /** When the client may come back, in milliseconds from now (on `shutdown`, with jitter so that clients spread out). */
  retryAfterMs?: number;
  ts: number;
}

/** The chat events a hub renders for every framing (what formatters receive). */
export type ChatEvent =
  | MessageEnvelope
  | DirectEnvelope
  | JoinEnvelope
  | LeaveEnvelope
  | NickEnvelope
  | SystemEnvelope
  | ErrorEnvelope;

/** Everything the hub sends to a JSON client: chat events, plus the connection's own `ping` and `bye`. */
export type HubEnvelope = ChatEvent | PingEnvelope | ByeEnvelope;

/** Say something in your current room, or in `room` if you are in it. */
export interface ClientMessageEnvelope {
  v: 1;
  type: 'message';
  text: string;
  room?: string;
}

/** Join a room (the same as `/join room`). */
export interface ClientJoinEnvelope {
  v: 1;
  type: 'join';
  room: string;
}

/** Leave a room (the same as `/leave room`). */
export interface ClientLeaveEnvelope {
  v: 1;
  type: 'leave';
  room: string;
}

/** Change nickname (the same as `/nick name`). */
export interface ClientNickEnvelope {
  v: 1;
  type: 'nick';
  nick: string;
}

/** Send a direct message (the same as `/msg to text`). */
export interface ClientDirectEnvelope {
  v: 1;
  type: 'direct';
  to: string;
  text: string;
}

/** The first thing a JSON client says; may ask for a nickname. */
export interface ClientHelloEnvelope {
  v: 1;
  type: 'hello';
  nick?: string;
  /**
   * Credentials for a hub with an `authenticate` hook (at most 2048 characters). The hub hands
   * it to the hook and never passes it on to handlers or other clients.
   */
  token?: string;
}

/** The answer to a hub's `ping`: `ts` is the ping's, unchanged. A pong that answers no outstanding ping is ignored. */
export interface ClientPongEnvelope {
  v: 1;
  type: 'pong';
  ts: number;
}

/** Everything a JSON client may send to the hub. */
export type ClientEnvelope =
  | ClientMessageEnvelope
  | ClientJoinEnvelope
  | ClientLeaveEnvelope
  | ClientNickEnvelope
  | ClientDirectEnvelope
  | ClientHelloEnvelope
  | ClientPongEnvelope;
