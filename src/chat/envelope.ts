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

/** Everything the hub sends to a JSON client. */
export type HubEnvelope =
  | MessageEnvelope
  | DirectEnvelope
  | JoinEnvelope
  | LeaveEnvelope
  | NickEnvelope
  | SystemEnvelope
  | ErrorEnvelope;

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
}

/** Everything a JSON client may send to the hub. */
export type ClientEnvelope =
  | ClientMessageEnvelope
  | ClientJoinEnvelope
  | ClientLeaveEnvelope
  | ClientNickEnvelope
  | ClientDirectEnvelope
  | ClientHelloEnvelope;

/** What a hub-side event looks like before it gets its version: what formatters receive. */
export type ChatEvent = HubEnvelope;
