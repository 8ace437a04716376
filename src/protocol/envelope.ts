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
  /**
   * Unique among the hub's messages, and it orders the message within its room: a client
   * recovering after a reconnect hands back the last one it saw (`after`). Opaque: compare
   * ids for equality only, never by value.
   */
  id: string;
  /** The sender's nickname. */
  sender: string;
  /** The room it was said in. */
  room: string;
  text: string;
  /** Milliseconds since the epoch, when the hub relayed it. */
  ts: number;
  action?: boolean;
  /** Set on a message the hub replays from its history (a replay on join, `/history`, a recovery): said before, not now. */
  history?: boolean;
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
  /** Set on a direct message the hub replays to recover what a reconnecting client missed. */
  history?: boolean;
}

/** Someone joined a room. */
export interface JoinEnvelope {
  v: 1;
  type: 'join';
  nick: string;
  room: string;
  ts: number;
  /**
   * On a hub that keeps history: the id of the room's last message as the joiner came in (`''`
   * when it had none). The joiner's recovery of the room starts there if it sees nothing else.
   */
  last?: string;
}

/** Someone left a room (or the hub: then `reason` may say why). */
export interface LeaveEnvelope {
  v: 1;
  type: 'leave';
  nick: string;
  room: string;
  ts: number;
  reason?: string;
  /** Set when an operator removed them (a kick, or a room ban); `by` says who, `reason` why. */
  kicked?: boolean;
  /** With `kicked`: who removed them (an operator's nickname, or `server`). */
  by?: string;
}

/**
 * A room's topic: sent to the room when it changes, and to each client that joins a room
 * that has one. `text` is `''` when the topic was cleared.
 */
export interface TopicEnvelope {
  v: 1;
  type: 'topic';
  room: string;
  text: string;
  /** Who set it (an operator's nickname, or `server`). */
  by?: string;
  /** When it was set, in ms since the epoch (for a topic shown on join: when it was set, not now). */
  ts: number;
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
 * A hub that keeps history puts this connection's `session` in the welcome, and ends each
 * replay with a notice carrying `replayed` (and `recovered` when the client asked to recover).
 */
export interface SystemEnvelope {
  v: 1;
  type: 'system';
  text: string;
  ts: number;
  nick?: string;
  room?: string;
  names?: string[];
  /**
   * In the welcome of a hub that keeps history: this connection's session. Present it in the
   * next connection's `hello` to recover what was missed; it is secret (it stands for your
   * direct messages). Once the hub has read that hello, this connection's session holds them:
   * present it next time (the old one still leads to it for the recovery window).
   */
  session?: string;
  /**
   * Ends a replay: how many messages were just replayed, of `room`, or without `room` of your
   * direct messages. Every replay, even of nothing, ends with one such notice.
   */
  replayed?: number;
  /** With `replayed`, when the client asked to recover (`after`, `session`): whether it got exactly what it missed. */
  recovered?: boolean;
  /** With `recovered: false`: why not (a `RecoveryFailure`). */
  reason?: string;
  /** In the welcome, with `session`: the id of the room's last message as you came in (`''` for none), as on `join`. */
  last?: string;
}

/**
 * Why a hub could not recover what a client missed (`recovered: false`):
 * - `off`: the hub keeps no history;
 * - `too-old`: the client was away longer than the hub's recovery window, or what it last saw
 *   has left the history (past its size or age);
 * - `unknown`: the hub does not know the session or id given (another hub's, or from before a
 *   restart), or the client gave no session;
 * - `late`: the `hello` asking for it was not the connection's first envelope, and live
 *   messages had already been sent.
 *
 * The client should then resync by other means (ask for the last messages with `history`).
 */
export type RecoveryFailure = 'off' | 'too-old' | 'unknown' | 'late';

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
  | ErrorEnvelope
  | TopicEnvelope;

/** Everything the hub sends to a JSON client: chat events, plus the connection's own `ping` and `bye`. */
export type HubEnvelope = ChatEvent | PingEnvelope | ByeEnvelope;

/** Say something in your current room, or in `room` if you are in it. */
export interface ClientMessageEnvelope {
  v: 1;
  type: 'message';
  text: string;
  room?: string;
}

/**
 * Join a room (the same as `/join room`). Once the join has gone through the hub's handlers,
 * the hub can replay the room's history to you: `history` asks for the last so many messages,
 * `after` for everything since the message with that id (a recovery).
 */
export interface ClientJoinEnvelope {
  v: 1;
  type: 'join';
  room: string;
  /** Replay this many of the room's last messages (at most the hub's `history.messages`). */
  history?: number;
  /** Recover: replay every message of the room after the one with this id (the last one you saw). */
  after?: string;
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
  /**
   * The `session` of the previous connection's welcome: recovers your direct messages, and
   * lets `after` (here and in `join`) recover rooms. Honoured in the connection's first envelope.
   */
  session?: string;
  /** Recover the room the hello lands you in (the default room): every message after this id. */
  after?: string;
  /** With `session`: recover every direct message after this id (none given: every one kept). */
  afterDirect?: string;
  /** Replay this many of the last messages of the room the hello lands you in. */
  history?: number;
}

/** The answer to a hub's `ping`: `ts` is the ping's, unchanged. A pong that answers no outstanding ping is ignored. */
export interface ClientPongEnvelope {
  v: 1;
  type: 'pong';
  ts: number;
}

/** Become an operator (the same as `/oper name password`): the password is checked against the hub's configured hash. */
export interface ClientOperEnvelope {
  v: 1;
  type: 'oper';
  name: string;
  password: string;
}

/** Remove `nick` from `room` (default: the room you talk in), as `/kick`. Operators only. */
export interface ClientKickEnvelope {
  v: 1;
  type: 'kick';
  nick: string;
  room?: string;
  reason?: string;
}

/**
 * Ban a nickname, mask (`*!*@10.0.0.*`), address or network (`10.0.0.0/8`) from the hub, or
 * with `room` from that room, for `duration` (`10m`, `2h`, `7d`; none: until unbanned), as
 * `/ban`. Operators only.
 */
export interface ClientBanEnvelope {
  v: 1;
  type: 'ban';
  target: string;
  room?: string;
  duration?: string;
  reason?: string;
}

/** Lift a ban (the hub's, or with `room` that room's), as `/unban`. Operators only. */
export interface ClientUnbanEnvelope {
  v: 1;
  type: 'unban';
  target: string;
  room?: string;
}

/** List the bans (the hub's, or with `room` that room's), as `/bans`; answered with a `system` envelope. Operators only. */
export interface ClientBansEnvelope {
  v: 1;
  type: 'bans';
  room?: string;
}

/** Mute `nick` for `duration` (none: until unmuted or it leaves), as `/mute`. Operators only. */
export interface ClientMuteEnvelope {
  v: 1;
  type: 'mute';
  nick: string;
  duration?: string;
}

/** Unmute `nick`, as `/unmute`. Operators only. */
export interface ClientUnmuteEnvelope {
  v: 1;
  type: 'unmute';
  nick: string;
}

/**
 * Ask for the topic of `room` (without `text`; any member), or set it (with `text`, `''`
 * clears it; operators only), as `/topic`.
 */
export interface ClientTopicEnvelope {
  v: 1;
  type: 'topic';
  room: string;
  text?: string;
}

/** The moderation envelopes a client may send. */
export type ClientModerationEnvelope =
  | ClientOperEnvelope
  | ClientKickEnvelope
  | ClientBanEnvelope
  | ClientUnbanEnvelope
  | ClientBansEnvelope
  | ClientMuteEnvelope
  | ClientUnmuteEnvelope
  | ClientTopicEnvelope;

/** Everything a JSON client may send to the hub. */
export type ClientEnvelope =
  | ClientMessageEnvelope
  | ClientJoinEnvelope
  | ClientLeaveEnvelope
  | ClientNickEnvelope
  | ClientDirectEnvelope
  | ClientHelloEnvelope
  | ClientPongEnvelope
  | ClientModerationEnvelope;
