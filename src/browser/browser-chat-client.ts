/// <reference lib="dom" />
import { isKnownReason, type HubBye } from '../protocol/control-frames.js';
import { NO_RECONNECT_REASONS, type DisconnectReason } from '../protocol/disconnect-reason.js';
import { chatMessageOf, directMessageOf, historyStatusOf, type ChatMessage, type DirectMessage, type HistoryStatus } from '../protocol/chat-messages.js';
import { ClientChatState, endsDirectRecovery, firstConnection, type SavedChat } from '../protocol/client-chat-state.js';
import type {
  ByeEnvelope,
  ClientEnvelope,
  ClientJoinEnvelope,
  ErrorEnvelope,
  HubEnvelope,
  JoinEnvelope,
  LeaveEnvelope,
  NickEnvelope,
  SystemEnvelope,
  TopicEnvelope,
} from '../protocol/envelope.js';
import { CLOSE_NORMAL, closeMeaning } from '../protocol/websocket-close.js';
import { Emitter } from './emitter.js';
import { parseHubEnvelope } from './hub-envelopes.js';

/** How the browser client reconnects after a connection that was up is lost. */
export interface BrowserReconnectOptions {
  /** Ceiling of the first delay, in ms; attempt n waits a random time below `initialDelay * 2^(n-1)`. Default 250. */
  initialDelay?: number;
  /** No delay is longer than this, in ms. Default 30000. */
  maxDelay?: number;
  /** Give up after this many failed attempts in a row. Default: never (`close()` stops it). */
  maxAttempts?: number;
}

/** Options for `new BrowserChatClient()`. */
export interface BrowserChatClientOptions {
  /**
   * The hub's WebSocket: `ws://` or `wss://`, or a path or `http(s)://` URL, resolved against
   * the page's address and turned into the WebSocket URL of the same place (`/ws` on an `https`
   * page is `wss://that-host/ws`).
   */
  url: string | URL;
  /** Nickname to ask for on connect; `connect()` rejects if the hub refuses it. */
  nick?: string;
  /** Credentials for a hub with an `authenticate` hook, sent in every `hello`. */
  token?: string;
  /** Milliseconds `connect()` waits for the connection and the hub's welcome. Default 10000. */
  connectTimeout?: number;
  /** Reconnect after a connection that was up is lost, then restore the nickname and rooms. Default on. */
  reconnect?: boolean | BrowserReconnectOptions;
  /** Envelopes that may be queued while reconnecting; more are dropped (`send()` returns `false` either way). Default 100. */
  maxOfflineMessages?: number;
  /** The WebSocket class to use. Default: the page's `WebSocket`. */
  WebSocket?: new (url: string) => WebSocket;
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

/** Why the client failed: a stable `code` (`ERR_CONNECT_FAILED`, `ERR_CONNECTION_LOST`, or the hub's refusal such as `ERR_NAME_TAKEN`). */
export class BrowserChatError extends Error {
  /** A stable, machine-readable code. */
  readonly code: string;
  /** For a lost connection: why, as the hub said or the close code showed. */
  readonly reason: DisconnectReason | undefined;
  /** What the hub said before closing, if it did. */
  readonly bye: HubBye | undefined;

  constructor(code: string, message: string, details: { reason?: DisconnectReason; bye?: HubBye | undefined } = {}) {
    super(message);
    this.name = 'BrowserChatError';
    this.code = code;
    this.reason = details.reason;
    this.bye = details.bye;
  }
}

/** Listener signatures of `BrowserChatClient`: those of `JsonChatClient`. */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type BrowserChatClientEvents = {
  /** Connected and welcomed (again, after a reconnection): `nick` is this client's name, `room` where it talks. */
  connect: (nick: string, room: string) => void;
  /** Someone said something in a room this client is in. */
  message: (message: ChatMessage) => void;
  /** Someone sent this client a direct message. */
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
  /** The client stopped and will not reconnect by itself; `error` is absent after `close()`. */
  end: (error?: Error) => void;
  /** An envelope from the hub was invalid and dropped. */
  error: (error: Error) => void;
};

/** The longest wait a hub's retry hint is obeyed for (10 minutes), as `MAX_RETRY_AFTER_MS`. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
const OPEN = 1;

/**
 * A chat client for web pages: the `json` envelopes over a WebSocket to a hub's
 * `broadcast-chat/websocket` door, with the events and methods of `JsonChatClient`. No Node
 * module: import it from `<script type="module">`. After a connection that was up is lost it
 * reconnects (capped exponential backoff with full jitter, never sooner than a hub's retry hint)
 * and restores its nickname and rooms; on a hub that keeps history it recovers what it missed
 * meanwhile, as `JsonChatClient` does.
 */
export class BrowserChatClient extends Emitter<BrowserChatClientEvents> {
  private readonly url: string;
  private readonly wantedNick: string | undefined;
  private readonly connectTimeout: number;
  private readonly reconnectOptions: Required<BrowserReconnectOptions> | undefined;
  private readonly maxOffline: number;
  private readonly Socket: new (url: string) => WebSocket;
  private socket: WebSocket | undefined;
  /** Its nickname, rooms, session and recovery marks, as the hub reports them. */
  private readonly state: ClientChatState;
  private connected = false;
  private reconnecting = false;
  private stopped = false;
  private lastBye: HubBye | undefined;
  private offline: ClientEnvelope[] = [];
  private wake: (() => void) | undefined;
  /** The session being restored on a new connection, which sees the envelopes first. */
  private restoring: Restore | undefined;
  private readonly historyCount: number;

  /** Checks every option at once: a wrong one throws a `TypeError` or `RangeError` naming it. */
  constructor(options: BrowserChatClientOptions) {
    super();
    if (typeof options !== 'object' || (options as unknown) === null) throw new TypeError('BrowserChatClient needs options with a url');
    this.url = websocketUrl(options.url);
    if (options.nick !== undefined && typeof options.nick !== 'string') throw new TypeError('nick must be a string');
    if (options.token !== undefined && typeof options.token !== 'string') throw new TypeError('token must be a string');
    this.wantedNick = options.nick;
    this.connectTimeout = positive('connectTimeout', options.connectTimeout ?? 10_000);
    this.maxOffline = count('maxOfflineMessages', options.maxOfflineMessages ?? 100);
    this.reconnectOptions = resolveReconnect(options.reconnect);
    this.historyCount = options.history === undefined ? 0 : whole('history', options.history);
    if (options.recover !== undefined && typeof options.recover !== 'boolean') throw new TypeError(`recover must be a boolean, got ${typeof options.recover}`);
    this.state = new ClientChatState({ token: options.token, history: this.historyCount, recover: options.recover ?? true });
    const Socket = options.WebSocket ?? (globalThis as { WebSocket?: new (url: string) => WebSocket }).WebSocket;
    if (typeof Socket !== 'function') throw new TypeError('no WebSocket class: pass options.WebSocket');
    this.Socket = Socket;
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
    return this.connected;
  }

  /** Whether the client lost its connection and is getting it back. */
  get isReconnecting(): boolean {
    return this.reconnecting;
  }

  /**
   * Connects, says hello (asking for `nick`) and resolves once the hub has welcomed this client
   * and granted the name. Rejects with a `BrowserChatError`: `ERR_CONNECT_FAILED` (no hub, no
   * welcome in time, closed first), or the hub's refusal (`ERR_NAME_TAKEN`, `ERR_AUTH_FAILED`...).
   */
  async connect(): Promise<void> {
    if (this.socket !== undefined || this.reconnecting) throw new BrowserChatError('ERR_ALREADY_CONNECTED', 'the client is connected or connecting already');
    this.stopped = false;
    // A client connected again after it ended starts afresh.
    this.state.reset();
    await this.open(firstConnection(this.wantedNick));
    this.emit('connect', this.state.nick, this.state.room);
  }

  /** Says `text` in the current room, or in `room` (which this client must be in). Queued (and `false` returned) while reconnecting. */
  send(text: string, room?: string): boolean {
    return this.write(room === undefined ? { v: 1, type: 'message', text } : { v: 1, type: 'message', text, room });
  }

  /** Sends `text` to `nick` alone. */
  sendTo(nick: string, text: string): boolean {
    return this.write({ v: 1, type: 'direct', to: nick, text });
  }

  /**
   * Joins `room` and talks there; a `join` event confirms it. For a room this client is already
   * in, the hub only switches to it (no `join` event), so `room` is updated at once.
   * `options.history` (default: the client's `history` option) asks a hub that keeps history for
   * the room's last messages, once the join has gone through.
   */
  join(room: string, options: { history?: number } = {}): boolean {
    const wanted = options.history === undefined ? this.historyCount : whole('history', options.history);
    const sent = this.write(wanted > 0 ? { v: 1, type: 'join', room, history: wanted } : { v: 1, type: 'join', room });
    if (this.state.rooms.has(room) && this.connected) this.state.room = room;
    return sent;
  }

  /** Leaves `room`; a `leave` event confirms it. */
  leave(room: string): boolean {
    return this.write({ v: 1, type: 'leave', room });
  }

  /** Asks for a new nickname; a `nick` event confirms it, a `refused` event refuses it. */
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

  /** Runs a slash command such as `/who` or `/me waves`, as typed in a terminal; answers arrive as `system` events. */
  command(line: string): boolean {
    return this.send(line.startsWith('/') ? line : `/${line}`);
  }

  /** Closes the connection and stops reconnecting; resolves once the WebSocket is closed. */
  async close(): Promise<void> {
    if (this.stopped && this.socket === undefined) return;
    this.stopped = true;
    this.wake?.();
    const socket = this.socket;
    if (socket !== undefined && socket.readyState <= OPEN) {
      const closed = new Promise<void>((resolve) => {
        socket.addEventListener('close', () => {
          resolve();
        });
      });
      socket.close(CLOSE_NORMAL, 'closed');
      await closed;
    }
    if (!this.reconnecting) this.finish(undefined);
  }

  private write(envelope: ClientEnvelope): boolean {
    const socket = this.socket;
    if (this.connected && socket?.readyState === OPEN) {
      socket.send(JSON.stringify(envelope));
      return true;
    }
    if (this.reconnecting && this.offline.length < this.maxOffline) this.offline.push(envelope);
    return false;
  }

  /**
   * Opens a WebSocket, says hello and restores `session`; resolves once done, rejects (with the
   * WebSocket closed) when any of it fails. Afterwards a lost connection starts reconnecting.
   */
  private open(session: SavedChat): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let socket: WebSocket;
      try {
        socket = new this.Socket(this.url);
      } catch (error) {
        reject(new BrowserChatError('ERR_CONNECT_FAILED', `cannot open ${this.url}: ${String(error)}`));
        return;
      }
      this.socket = socket;
      this.state.forgetConnection();
      this.lastBye = undefined;
      const timer = setTimeout(() => {
        fail(new BrowserChatError('ERR_CONNECT_FAILED', `no welcome from the hub within ${this.connectTimeout} ms`));
      }, this.connectTimeout);
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.restoring = undefined;
        if (socket.readyState <= OPEN) socket.close(CLOSE_NORMAL, 'gave up');
        reject(error);
      };
      const done = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.restoring = undefined;
        this.connected = true;
        resolve();
      };
      const recovering = this.state.recovers(session);
      this.restoring = new Restore(
        session,
        (envelope) => {
          socket.send(JSON.stringify(envelope));
        },
        (room) => this.state.restoringJoin(room, recovering),
        () => {
          // The welcome's room is talked in again only if it was before: a switch back, after the joins.
          if (session.room !== '' && this.state.rooms.has(session.room)) this.state.room = session.room;
          done();
        },
        fail,
        this.state,
      );
      socket.addEventListener('open', () => {
        // The connection's first envelope: only it may ask to recover (a later one gets `late`).
        socket.send(JSON.stringify(this.state.hello(session)));
      });
      socket.addEventListener('message', (event: MessageEvent) => {
        if (this.socket !== socket || typeof event.data !== 'string') return;
        const envelope = parseHubEnvelope(event.data);
        if (envelope === undefined) {
          this.emit('error', new BrowserChatError('ERR_INVALID_ENVELOPE', 'the hub sent something that is not a valid envelope; dropped'));
          return;
        }
        this.onEnvelope(envelope, socket);
      });
      socket.addEventListener('close', (event: CloseEvent) => {
        if (this.socket !== socket) return;
        this.socket = undefined;
        const meaning = closeMeaning(event.code, event.reason);
        const bye = this.lastBye;
        const reason = bye !== undefined && isKnownReason(bye.reason) ? bye.reason : meaning.reason;
        const retryAfterMs = bye?.retryAfterMs ?? meaning.retryAfterMs;
        const lost = new BrowserChatError('ERR_CONNECTION_LOST', `connection lost: ${reason}${event.reason === '' ? '' : ` (${event.reason})`}`, {
          reason,
          bye: bye ?? { reason, message: undefined, retryAfterMs },
        });
        if (!settled) {
          fail(new BrowserChatError('ERR_CONNECT_FAILED', `the hub closed the connection before welcoming this client: ${reason}`, { reason, bye: lost.bye }));
          return;
        }
        const wasUp = this.connected;
        this.connected = false;
        // A connection that was up had its hello read: its session holds the direct messages now.
        const session = this.state.save(this.wantedNick);
        this.emit('disconnect', this.stopped ? 'closed' : reason, lost);
        if (wasUp && !this.stopped) void this.reconnect(session, lost);
      });
    });
  }

  private async reconnect(session: SavedChat, lost: BrowserChatError): Promise<void> {
    const options = this.reconnectOptions;
    if (options === undefined || NO_RECONNECT_REASONS.has(lost.reason ?? '')) {
      this.finish(lost);
      return;
    }
    this.reconnecting = true;
    let error: BrowserChatError = lost;
    for (let attempt = 1; attempt <= options.maxAttempts; attempt += 1) {
      const ceiling = Math.min(options.maxDelay, options.initialDelay * 2 ** (attempt - 1));
      let delay = Math.floor(Math.random() * ceiling);
      // The hub said when to come back: not before.
      const retryAfter = error.bye?.retryAfterMs;
      if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, MAX_RETRY_AFTER_MS));
      this.emit('reconnecting', attempt, delay, error);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.stopped) break;
      try {
        await this.open(session);
      } catch (failure) {
        error = failure instanceof BrowserChatError ? failure : new BrowserChatError('ERR_CONNECT_FAILED', String(failure));
        if (this.isStopped() || error.code === 'ERR_AUTH_FAILED' || NO_RECONNECT_REASONS.has(error.reason ?? '')) break;
        continue;
      }
      if (this.isStopped()) break;
      this.reconnecting = false;
      const queued = this.offline;
      this.offline = [];
      for (const envelope of queued) this.write(envelope);
      this.emit('connect', this.state.nick, this.state.room);
      this.emit('reconnect', attempt);
      return;
    }
    this.reconnecting = false;
    this.finish(this.stopped ? undefined : error);
  }

  /** Whether `close()` was called; a method, so that it is read afresh after each `await`. */
  private isStopped(): boolean {
    return this.stopped;
  }

  /** The client stopped for good: what is queued is reported unsent, then `end`. */
  private finish(error: Error | undefined): void {
    this.stopped = true;
    const unsent = this.offline;
    this.offline = [];
    if (unsent.length > 0) this.emit('unsent', unsent, error ?? new BrowserChatError('ERR_NOT_CONNECTED', 'the client was closed'));
    if (error === undefined) this.emit('end');
    else this.emit('end', error);
  }

  private onEnvelope(envelope: HubEnvelope, socket: WebSocket): void {
    this.state.track(envelope);
    if (envelope.type === 'system' && endsDirectRecovery(envelope) && this.restoring !== undefined) this.restoring.session.session = this.state.session;
    this.restoring?.seen(envelope);
    switch (envelope.type) {
      case 'message':
        // A recovery through a store that hubs share may send a message again: it comes once.
        if (!this.state.marks.firstInRoom(envelope.room, envelope.id)) return;
        this.emit('message', chatMessageOf(envelope));
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
      case 'topic':
        this.emit('topic', envelope);
        return;
      case 'system': {
        this.emit('system', envelope);
        const status = historyStatusOf(envelope);
        if (status !== undefined) this.emit('history', status);
        return;
      }
      case 'error':
        this.emit('refused', envelope);
        return;
      case 'ping':
        if (socket.readyState === OPEN) socket.send(JSON.stringify({ v: 1, type: 'pong', ts: envelope.ts }));
        return;
      case 'bye':
        this.lastBye = byeOf(envelope);
        this.emit('bye', this.lastBye);
        return;
    }
  }
}

/**
 * A session being restored on a fresh connection: waits for the welcome and the nickname, then
 * joins the rooms (the one talked in last, so it is current again), and says when all is
 * confirmed. A refusal of the nickname fails it; a refused room is skipped.
 */
class Restore {
  private phase: 'welcome' | 'rooms' = 'welcome';
  private readonly pendingRooms = new Set<string>();
  private readonly pendingLeaves = new Set<string>();

  constructor(
    readonly session: SavedChat,
    private readonly send: (envelope: ClientEnvelope) => void,
    private readonly joinOf: (room: string) => ClientJoinEnvelope,
    private readonly done: () => void,
    private readonly fail: (error: Error) => void,
    private readonly state: ClientChatState,
  ) {}

  seen(envelope: HubEnvelope): void {
    if (this.phase === 'welcome') {
      if (envelope.type === 'error') {
        this.fail(new BrowserChatError(envelope.code, envelope.message));
        return;
      }
      if (envelope.type !== 'system' && envelope.type !== 'nick') return;
      const own = this.state.nick;
      const wanted = this.session.nick;
      if (own === '' || (wanted !== undefined && own.toLowerCase() !== wanted.toLowerCase())) return;
      this.phase = 'rooms';
      this.joinRooms();
      return;
    }
    if (envelope.type === 'join' && envelope.nick === this.state.nick) this.pendingRooms.delete(envelope.room);
    if (envelope.type === 'leave' && envelope.nick === this.state.nick) this.pendingLeaves.delete(envelope.room);
    // A refused room is an answer too: it is skipped.
    if (envelope.type === 'error' && this.pendingRooms.size > 0) this.pendingRooms.delete(this.pendingRooms.values().next().value ?? '');
    else if (envelope.type === 'error') this.pendingLeaves.clear();
    if (this.pendingRooms.size + this.pendingLeaves.size === 0) this.done();
  }

  private joinRooms(): void {
    const joined = this.state.rooms;
    const { rooms, room } = this.session;
    // The room talked in goes last: joining a room makes it the current one.
    const toJoin = rooms.filter((each) => !joined.has(each) && each !== room);
    if (room !== '' && !joined.has(room)) toJoin.push(room);
    // The room the welcome put this client in, when it had left it: left again, as before.
    const welcomeRoom = [...joined][0];
    const toLeave = rooms.length > 0 && welcomeRoom !== undefined && !rooms.includes(welcomeRoom) ? [welcomeRoom] : [];
    for (const each of toJoin) {
      this.pendingRooms.add(each);
      this.send(this.joinOf(each));
    }
    for (const each of toLeave) {
      this.pendingLeaves.add(each);
      this.send({ v: 1, type: 'leave', room: each });
    }
    // Already in it from the welcome (its recovery came with the hello), but no longer talking
    // there after the joins: switch back, with no `after`, which would replay it again. The hub
    // answers a join of a room one is in with nothing, so this one is not waited for.
    if (room !== '' && joined.has(room) && toJoin.length > 0) this.send({ v: 1, type: 'join', room });
    if (this.pendingRooms.size + this.pendingLeaves.size === 0) this.done();
  }
}

/** The bye envelope as `HubBye`, its retry hint bounded. */
function byeOf(envelope: ByeEnvelope): HubBye {
  const after = envelope.retryAfterMs;
  return {
    reason: envelope.reason.slice(0, 64),
    message: envelope.message.slice(0, 400),
    retryAfterMs: after !== undefined && after >= 0 ? Math.min(Math.floor(after), MAX_RETRY_AFTER_MS) : undefined,
  };
}

/** `url` as a WebSocket URL, resolved against the page's address when there is one. */
function websocketUrl(url: unknown): string {
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('url must be the hub’s WebSocket URL, such as wss://chat.example.com/ws or /ws');
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  let parsed: URL;
  try {
    parsed = base === undefined ? new URL(url) : new URL(url, base);
  } catch {
    throw new TypeError(`url ${JSON.stringify(String(url))} is not a URL`);
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new TypeError(`url must be a ws:, wss:, http: or https: URL, got ${parsed.protocol}`);
  parsed.hash = '';
  return parsed.href;
}

function resolveReconnect(option: unknown): Required<BrowserReconnectOptions> | undefined {
  if (option === false) return undefined;
  if (option !== undefined && option !== true && (typeof option !== 'object' || option === null)) throw new TypeError('reconnect must be true, false or an object of options');
  const given = (typeof option === 'object' ? option : {}) as BrowserReconnectOptions;
  const initialDelay = positive('reconnect.initialDelay', given.initialDelay ?? Math.min(250, given.maxDelay ?? 250));
  const maxDelay = positive('reconnect.maxDelay', given.maxDelay ?? Math.max(30_000, initialDelay));
  if (maxDelay < initialDelay) throw new RangeError(`reconnect.maxDelay must be at least reconnect.initialDelay, got ${maxDelay} < ${initialDelay}`);
  const maxAttempts = given.maxAttempts ?? Number.POSITIVE_INFINITY;
  if (maxAttempts !== Number.POSITIVE_INFINITY) count('reconnect.maxAttempts', maxAttempts);
  return { initialDelay, maxDelay, maxAttempts };
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function whole(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number, got ${String(value)}`);
  return value;
}

function count(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number of at least 1, got ${String(value)}`);
  return value;
}
