import type { HubBye } from '../protocol/control-frames.js';
import type { HeartbeatTimeout } from './liveness-monitor.js';
import type { ConnectionOptions } from 'node:tls';
import type { ChatClientConnectOptions } from './chat-client.js';
import { ChatClient } from './chat-client.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import { chatMessageOf, directMessageOf, historyStatusOf, type ChatMessage, type DirectMessage, type HistoryStatus } from '../protocol/chat-messages.js';
import { ClientChatState, endsDirectRecovery, firstConnection, type SavedChat } from '../protocol/client-chat-state.js';
import type {
  ClientEnvelope,
  ErrorEnvelope,
  HubEnvelope,
  JoinEnvelope,
  LeaveEnvelope,
  MessageEnvelope,
  NickEnvelope,
  SystemEnvelope,
  TopicEnvelope,
} from '../protocol/envelope.js';
import { AbortError, ConnectionLostError } from '../errors.js';
import { connectError } from './connect-error.js';
import type { MessageIterator, MessageIteratorOptions } from './message-iterator.js';
import { count, optionalOfType } from './option-checks.js';
import { jsonClientCodec, type JsonEnvelope } from '../protocol/json-codec.js';
import type { ReconnectOptions } from './reconnect.js';
import { RefusedError } from './refused-error.js';
import { TypedEventEmitter } from '../typed-event-emitter.js';

/** Options for `new JsonChatClient()`. */
export interface JsonChatClientOptions {
  /** Hub address. Default `127.0.0.1`. */
  host?: string;
  /** Hub port. Default 8000. */
  port?: number;
  /** Connect to the hub's Unix domain socket at this path instead of `host` and `port`; see `ChatClientOptions.path`. */
  path?: string;
  /** Nickname to ask for on connect; `connect()` rejects if the hub refuses it. */
  nick?: string;
  /** Largest envelope accepted from the hub, in bytes. Default 512 KiB: above the largest envelope a hub with the default `maxMessageBytes` sends (raise both together). */
  maxMessageBytes?: number;
  /** Milliseconds `connect()` waits for the connection and the hub's welcome. Default 10000. */
  connectTimeout?: number;
  /**
   * Reconnect after a connection that was up is lost, then restore the nickname and rooms.
   * Default on; see `ChatClientOptions.reconnect`.
   */
  reconnect?: boolean | ReconnectOptions;
  /** Envelopes that may be queued while reconnecting. Default 100. */
  maxOfflineMessages?: number;
  /** Encoded bytes that may be queued while reconnecting. Default 1 MiB. */
  maxOfflineBytes?: number;
  /** The client's own check that the hub is alive. Default `'auto'`: see `ChatClientOptions.heartbeatTimeout`. */
  heartbeatTimeout?: HeartbeatTimeout;
  /** Credentials for a hub with an `authenticate` hook, sent as the `token` of every `hello`. */
  token?: string;
  /** Connect over TLS; see `ChatClientOptions.tls`. */
  tls?: boolean | ConnectionOptions;
  /**
   * On a hub that keeps history: how many of a room's last messages to ask for when connecting
   * (the room the hub puts you in) and on each `join()`. They arrive as `message` events with
   * `history: true`, then a `history` event. Default 0.
   */
  history?: number;
  /**
   * On a hub that keeps history: after a reconnection, ask for exactly what was missed while
   * away (direct messages, and every room being restored), from the last message seen. A
   * `history` event per room (and one for direct messages) says whether it worked. Default `true`.
   */
  recover?: boolean;
}

export type { ChatMessage, DirectMessage, HistoryStatus } from '../protocol/chat-messages.js';

/** Listener signatures of `JsonChatClient`. */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type JsonChatClientEvents = {
  /** Connected and welcomed: `nick` is this client's name, `room` where it talks. */
  connect: (nick: string, room: string) => void;
  /** Someone said something in a room this client is in. */
  message: (message: ChatMessage) => void;
  /** Someone sent this client a direct message (or, with echo, this client sent one). */
  direct: (message: DirectMessage) => void;
  /** Someone (maybe this client) joined a room. */
  join: (event: JoinEnvelope) => void;
  /** Someone (maybe this client) left a room. */
  leave: (event: LeaveEnvelope) => void;
  /** Someone (maybe this client) changed nickname. */
  nick: (event: NickEnvelope) => void;
  /** A room's topic: when it changes, and on joining a room that has one (`text: ''`: cleared). */
  topic: (event: TopicEnvelope) => void;
  /** A notice from the hub: a command's answer, or an announcement. */
  system: (event: SystemEnvelope) => void;
  /** The hub refused something this client sent. */
  refused: (event: ErrorEnvelope) => void;
  /** The connection is gone. */
  disconnect: (reason: DisconnectReason, error?: Error) => void;
  /** The connection was lost; attempt `attempt` to get it back follows after `delayMs`. */
  reconnecting: (attempt: number, delayMs: number, error: Error) => void;
  /** Connected again, with the nickname and rooms restored (after a `connect` event) and queued envelopes sent. */
  reconnect: (attempt: number) => void;
  /** The hub said it is closing this connection, why, and when to come back. */
  bye: (bye: HubBye) => void;
  /**
   * A replay has ended: after connecting or joining with `history`, after `/history`, and after
   * a reconnection for each room restored and for direct messages. `recovered: false` means
   * messages may have been missed: resync.
   */
  history: (status: HistoryStatus) => void;
  /** Envelopes queued while reconnecting that will never be sent (the client gave up or was closed). */
  unsent: (envelopes: ClientEnvelope[], error: Error) => void;
  /** The client stopped and will not reconnect by itself; `error` is absent after `close()`. See `ChatClientEvents.end`. */
  end: (error?: Error) => void;
  /** An envelope from the hub was invalid and dropped. Only emitted when something listens. */
  error: (error: Error) => void;
};

/**
 * A client for chat hubs speaking the `json` framing (`framing: 'json'` or `'mixed'`):
 * typed events for messages, direct messages, joins, leaves and nick changes, and methods
 * for what slash commands do. Wraps a `ChatClient` using the JSON codec.
 */
export class JsonChatClient extends TypedEventEmitter<JsonChatClientEvents> {
  private readonly inner: ChatClient<JsonEnvelope>;
  private readonly wantedNick: string | undefined;
  private readonly connectTimeout: number;
  private readonly historyCount: number;
  /** Its nickname, rooms, session and recovery marks, as the hub reports them. */
  private readonly state: ClientChatState;
  /** What to restore after a reconnection: taken when a connection that was up is lost. */
  private saved: SavedChat | undefined;
  /** The last `message` envelope made into a `ChatMessage`, so that the event and every loop get the same object. */
  private lastMessage: { envelope: MessageEnvelope; message: ChatMessage } | undefined;

  /** Checks every option at once, as `ChatClient` does: a wrong one throws a `TypeError` or `RangeError` naming it. */
  constructor(options: JsonChatClientOptions = {}) {
    super();
    optionalOfType('nick', options.nick, 'string');
    optionalOfType('token', options.token, 'string');
    this.historyCount = options.history === undefined ? 0 : count('history', options.history);
    if (options.recover !== undefined && typeof options.recover !== 'boolean') throw new TypeError(`recover must be a boolean, got ${typeof options.recover}`);
    this.wantedNick = options.nick;
    this.connectTimeout = options.connectTimeout ?? 10_000;
    this.state = new ClientChatState({ token: options.token, history: this.historyCount, recover: options.recover ?? true });
    // ChatClient checks the rest, connectTimeout included.
    this.inner = new ChatClient<JsonEnvelope>({
      framing: jsonClientCodec,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
      connectTimeout: this.connectTimeout,
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...(options.maxOfflineMessages === undefined ? {} : { maxOfflineMessages: options.maxOfflineMessages }),
      ...(options.maxOfflineBytes === undefined ? {} : { maxOfflineBytes: options.maxOfflineBytes }),
      ...(options.heartbeatTimeout === undefined ? {} : { heartbeatTimeout: options.heartbeatTimeout }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      // No `token` here: ChatClient would send a hello of its own with it. The token goes in
      // this client's one hello per connection, with the nickname (see `hello()`).
      restore: (send, signal) => this.restoreSession(send, signal),
    });
    this.inner.on('message', (envelope) => {
      this.onEnvelope(envelope as HubEnvelope);
    });
    this.inner.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    this.inner.on('disconnect', (reason, error) => {
      // Kept across failed attempts, so that each one restores the same nickname and rooms.
      this.saved ??= this.state.save(this.wantedNick);
      // A connection that was up had its hello read: its session holds the direct messages now.
      this.saved.session = this.state.session;
      this.emit('disconnect', reason, error);
    });
    this.inner.on('reconnecting', (attempt, delayMs, error) => {
      this.emit('reconnecting', attempt, delayMs, error);
    });
    this.inner.on('reconnect', (attempt) => {
      this.saved = undefined;
      this.emit('connect', this.state.nick, this.state.room);
      this.emit('reconnect', attempt);
    });
    this.inner.on('bye', (bye) => {
      this.emit('bye', bye);
    });
    this.inner.on('unsent', (messages, error) => {
      // Only envelopes are ever sent through the inner client.
      this.emit('unsent', messages as ClientEnvelope[], error);
    });
    this.inner.on('end', (error) => {
      this.saved = undefined;
      if (error === undefined) this.emit('end');
      else this.emit('end', error);
    });
  }

  /** This client's nickname, once welcomed. */
  get nick(): string {
    return this.state.nick;
  }

  /** The room this client talks in. */
  get room(): string {
    return this.state.room;
  }

  /** The rooms this client is in. */
  get rooms(): ReadonlySet<string> {
    return this.state.rooms;
  }

  /** Whether the connection is up (and, after a reconnection, the nickname and rooms restored). */
  get isConnected(): boolean {
    return this.inner.isConnected;
  }

  /** Whether the client lost its connection and is getting it back. */
  get isReconnecting(): boolean {
    return this.inner.isReconnecting;
  }

  /**
   * Connects, says hello (asking for `options.nick`, with the `token` if there is one) and
   * resolves once the hub has welcomed this client and granted the name. Rejects with a
   * `ConnectError` when no hub answers, no welcome comes within `connectTimeout` or the hub
   * closes the connection first; with a `RefusedError` whose `code` is the hub's reason
   * (`ERR_NAME_TAKEN`, `ERR_AUTH_FAILED`...); with an `AbortError`; or with an
   * `AlreadyConnectedError`. The connection is closed before it rejects.
   */
  async connect(options: ChatClientConnectOptions = {}): Promise<void> {
    await this.inner.connect(options);
    // A client connected again after it ended starts afresh.
    this.state.reset();
    const welcomed = this.waitForWelcome(this.wantedNick);
    this.write(this.state.hello(firstConnection(this.wantedNick)));
    try {
      await welcomed;
    } catch (error) {
      await this.inner.close();
      throw error;
    }
    this.emit('connect', this.state.nick, this.state.room);
  }

  /**
   * Says `text` in the current room, or in `room` (which this client must be in). While
   * reconnecting, the envelope is queued (and `false` returned); see `ChatClient.send()`.
   */
  send(text: string, room?: string): boolean {
    return this.write(room === undefined ? { v: 1, type: 'message', text } : { v: 1, type: 'message', text, room });
  }

  /** Sends `text` to `nick` alone. */
  sendTo(nick: string, text: string): boolean {
    return this.write({ v: 1, type: 'direct', to: nick, text });
  }

  /**
   * Joins `room` and talks there; a `join` event confirms it. For a room this client is
   * already in, the hub only switches to it (no `join` event), so `room` is updated at once.
   * `options.history` (default: the client's `history` option) asks a hub that keeps history
   * for the room's last messages, once the join has gone through.
   */
  join(room: string, options: { history?: number } = {}): boolean {
    const wanted = options.history === undefined ? this.historyCount : count('history', options.history);
    const sent = this.write(wanted > 0 ? { v: 1, type: 'join', room, history: wanted } : { v: 1, type: 'join', room });
    if (this.state.rooms.has(room) && this.isConnected) this.state.room = room;
    return sent;
  }

  /** Leaves `room`; a `leave` event confirms it. */
  leave(room: string): boolean {
    return this.write({ v: 1, type: 'leave', room });
  }

  /** Asks for a new nickname (a method: the `nick` property reads the current one); a `nick` event confirms it, a `refused` event refuses it. */
  rename(nick: string): boolean {
    return this.write({ v: 1, type: 'nick', nick });
  }

  /**
   * Moderation (see docs/moderation.md): becomes an operator with a name and password the hub
   * is configured with. `system` says so; a `refused` event (`ERR_OPER_FAILED`) refuses it.
   */
  oper(name: string, password: string): boolean {
    return this.write({ v: 1, type: 'oper', name, password });
  }

  /** Operators: removes `nick` from `room` (default: the room this client talks in). */
  kick(nick: string, options: { room?: string; reason?: string } = {}): boolean {
    return this.write({ v: 1, type: 'kick', nick, ...options });
  }

  /** Operators: bans a nickname, mask or address from the hub, or with `room` from that room, for `duration` (`10m`, `2h`...). */
  ban(target: string, options: { room?: string; duration?: string; reason?: string } = {}): boolean {
    return this.write({ v: 1, type: 'ban', target, ...options });
  }

  /** Operators: lifts a ban (the hub's, or with `room` that room's). */
  unban(target: string, options: { room?: string } = {}): boolean {
    return this.write({ v: 1, type: 'unban', target, ...options });
  }

  /** Operators: asks for the bans (the hub's, or `room`'s); the answer is a `system` event listing them in `names`. */
  bans(room?: string): boolean {
    return this.write(room === undefined ? { v: 1, type: 'bans' } : { v: 1, type: 'bans', room });
  }

  /** Operators: mutes `nick` for `duration` (`10m`...; default until unmuted). */
  mute(nick: string, duration?: string): boolean {
    return this.write(duration === undefined ? { v: 1, type: 'mute', nick } : { v: 1, type: 'mute', nick, duration });
  }

  /** Operators: unmutes `nick`. */
  unmute(nick: string): boolean {
    return this.write({ v: 1, type: 'unmute', nick });
  }

  /** Asks for `room`'s topic (a `system` answer), or with `text` sets it (operators; `''` clears it; a `topic` event follows). */
  topic(room: string, text?: string): boolean {
    return this.write(text === undefined ? { v: 1, type: 'topic', room } : { v: 1, type: 'topic', room, text });
  }

  /** Runs a slash command such as `/who` or `/roll 2d6`; answers arrive as `system` events. */
  command(line: string): boolean {
    return this.send(line.startsWith('/') ? line : `/${line}`);
  }

  /**
   * The chat messages, for `for await`: each `ChatMessage` the `message` event carries (room
   * messages; direct messages are on the `direct` event only), in order, until the client closes
   * for good. Backpressure, `break`, `options.signal` and when the loop ends are as for
   * `ChatClient.messages()`.
   */
  messages(options: MessageIteratorOptions = {}): MessageIterator<ChatMessage> {
    return this.inner.selectMessages((envelope) => ((envelope as HubEnvelope).type === 'message' ? this.chatMessage(envelope as MessageEnvelope) : undefined), options);
  }

  /** `for await (const message of chat)`: `chat.messages()` with its defaults. */
  [Symbol.asyncIterator](): MessageIterator<ChatMessage> {
    return this.messages();
  }

  /** Flushes what is queued and closes the connection. */
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Closes the client; lets `await using client = new JsonChatClient()` clean up. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private write(envelope: ClientEnvelope): boolean {
    return this.inner.send(envelope);
  }

  /**
   * Restores the session on a fresh connection: hello with the nickname this client had, then
   * the rooms it was in, with the one it talked in made current again. Resolves once the hub
   * has confirmed each; a refusal of the nickname rejects (the attempt is retried, by when the
   * hub may have noticed that the old connection is gone), a refused room is reported on
   * `refused` and skipped.
   */
  private async restoreSession(send: (envelope: JsonEnvelope) => void, signal: AbortSignal): Promise<void> {
    const saved = this.saved ?? this.state.save(this.wantedNick);
    this.saved = saved;
    this.state.forgetConnection();
    const welcomed = this.waitForWelcome(saved.nick, signal);
    const recovering = this.state.recovers(saved);
    send(this.state.hello(saved));
    await welcomed;
    const { rooms: joined, room: welcomeRoom } = this.state;
    // The room talked in goes last: joining a room makes it the current one.
    const toJoin = saved.rooms.filter((room) => !joined.has(room) && room !== saved.room);
    if (saved.room !== '' && !joined.has(saved.room)) toJoin.push(saved.room);
    const toLeave = saved.rooms.length > 0 && !saved.rooms.includes(welcomeRoom) ? [welcomeRoom] : [];
    const confirmed = this.waitForRooms(toJoin, toLeave, signal);
    for (const room of toJoin) send(this.state.restoringJoin(room, recovering));
    for (const room of toLeave) send({ v: 1, type: 'leave', room });
    // Already in it from the welcome, but no longer talking there after the joins: switch back.
    if (saved.room !== '' && !toJoin.includes(saved.room) && toJoin.length > 0) send({ v: 1, type: 'join', room: saved.room });
    await confirmed;
    if (saved.room !== '' && joined.has(saved.room)) this.state.room = saved.room;
  }

  /** Resolves once this client has been seen joining each of `joins` and leaving each of `leaves` (a refusal counts as an answer). */
  private waitForRooms(joins: string[], leaves: string[], signal: AbortSignal): Promise<void> {
    const pendingJoins = new Set(joins);
    const pendingLeaves = new Set(leaves);
    let refusals = 0;
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (pendingJoins.size + pendingLeaves.size - refusals > 0) return;
        settle();
        resolve();
      };
      const onJoin = (event: JoinEnvelope): void => {
        if (event.nick === this.state.nick) pendingJoins.delete(event.room);
        check();
      };
      const onLeave = (event: LeaveEnvelope): void => {
        if (event.nick === this.state.nick) pendingLeaves.delete(event.room);
        check();
      };
      const onRefused = (): void => {
        refusals += 1;
        check();
      };
      const onAbort = (): void => {
        settle();
        reject(signal.reason as Error);
      };
      const settle = (): void => {
        this.off('join', onJoin);
        this.off('leave', onLeave);
        this.off('refused', onRefused);
        signal.removeEventListener('abort', onAbort);
      };
      this.on('join', onJoin);
      this.on('leave', onLeave);
      this.on('refused', onRefused);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      else check();
    });
  }

  /**
   * Resolves once the hub has welcomed this client and, if `nick` is given, granted it.
   * Rejects with a `RefusedError` when the hub refuses, a `ConnectError` when the connection
   * drops (`disconnect`; its `cause` is a `ConnectionLostError`) or `connectTimeout` passes,
   * and with `signal`'s reason when it fires (the connection dropped during a restore).
   */
  private waitForWelcome(nick: string | undefined, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let welcomed = false;
      /** What the hub said before closing, if it closes before the welcome. */
      let bye: HubBye | undefined;
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.off('system', onSystem);
        this.off('nick', onNick);
        this.off('refused', onRefused);
        this.off('bye', onBye);
        this.off('disconnect', onDisconnect);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => {
        settle(signal?.reason instanceof Error ? signal.reason : new AbortError(signal?.reason));
      };
      const done = (): void => {
        if (welcomed && (nick === undefined || this.state.nick.toLowerCase() === nick.toLowerCase())) settle();
      };
      const onSystem = (event: SystemEnvelope): void => {
        if (event.nick === undefined) return;
        welcomed = true;
        done();
      };
      const onNick = (): void => {
        done();
      };
      const onRefused = (event: ErrorEnvelope): void => {
        settle(new RefusedError(event));
      };
      const onBye = (event: HubBye): void => {
        bye = event;
      };
      const onDisconnect = (reason: DisconnectReason, error?: Error): void => {
        settle(connectError(this.inner, new ConnectionLostError(reason, error, bye)));
      };
      const timer = setTimeout(() => {
        settle(connectError(this.inner, new Error(`connected, but no welcome from the hub within ${this.connectTimeout} ms`)));
      }, this.connectTimeout);
      timer.unref();
      this.on('system', onSystem);
      this.on('nick', onNick);
      this.on('refused', onRefused);
      this.on('bye', onBye);
      this.on('disconnect', onDisconnect);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) onAbort();
    });
  }

  /** `envelope` as a `ChatMessage`; the loops see each envelope just before the event does, and get the same object. */
  private chatMessage(envelope: MessageEnvelope): ChatMessage {
    const last = this.lastMessage;
    if (last?.envelope === envelope) return last.message;
    const message = chatMessageOf(envelope);
    this.lastMessage = { envelope, message };
    return message;
  }

  private onEnvelope(envelope: HubEnvelope): void {
    this.state.track(envelope);
    switch (envelope.type) {
      case 'message':
        if (!this.state.marks.firstInRoom(envelope.room, envelope.id)) return;
        this.emit('message', this.chatMessage(envelope));
        return;
      case 'direct':
        if (!this.state.marks.firstDirect(envelope.id)) return;
        this.emit('direct', directMessageOf(envelope));
        return;
      case 'join':
        this.emit('join', envelope);
        return;
      case 'leave':
        this.emit('leave', envelope);
        return;
      case 'nick':
        this.emit('nick', envelope);
        return;
      case 'system': {
        if (endsDirectRecovery(envelope) && this.saved !== undefined) this.saved.session = this.state.session;
        this.emit('system', envelope);
        const status = historyStatusOf(envelope);
        if (status !== undefined) this.emit('history', status);
        return;
      }
      case 'error':
        this.emit('refused', envelope);
        return;
      case 'topic':
        this.emit('topic', envelope);
        return;
    }
  }
}

/** Message ids a `JsonChatClient` remembers per room (and for direct messages) to drop those a recovery sends again. */
export { SEEN_IDS_PER_ROOM } from '../protocol/recovery-marks.js';
