import type { InputKind } from '../../protocol/classify.js';
import type { ChatEvent, ClientHelloEnvelope, DirectEnvelope, MessageEnvelope, RecoveryFailure, SystemEnvelope } from '../../protocol/envelope.js';
import { isStructuredCodec } from '../../protocol/structured.js';
import type { Peer } from '../peer.js';
import { ChatFrames, type RenderOptions } from '../chat/chat-frames.js';
import type { ResolvedHistory } from './history-options.js';
import type { HistoryPage, HistoryQuery, HistorySize, HistoryStore, StoredEvent } from '../../cluster/history-store.js';
import { MemoryHistoryStore } from './memory-history-store.js';
import { ReplayHolds, type HoldSlot } from './replay-holds.js';
import { Sessions } from './sessions.js';

/**
 * Milliseconds a JSON client's room traffic is held back after its welcome, waiting for its
 * hello (which may ask to recover the room it is in): 5 s. A client that says nothing first
 * gets it then; one whose hello comes later is told its recovery came too late (`late`).
 */
export const GREETING_HOLD_MS = 5000;

/** What a client asked to be replayed: the last `history` messages, or everything `after` an id. */
export interface ReplayRequest {
  readonly history?: number | undefined;
  readonly after?: string | undefined;
}

/**
 * What the history needs from chat mode.
 * @internal
 */
export interface HistoryHost {
  /** Renders events for text peers, as every other chat event. */
  readonly render: RenderOptions;
  /** The hub's tag: the start of every id it hands out (`tag-1a`) and of its session tokens. */
  readonly tag: string;
  /** Most bytes held back for one client before it counts as a slow consumer. */
  readonly maxQueuedBytes: number;
}

/**
 * What a protocol may add to frame replays its own way (the IRC door: a replay waits for the
 * client's registration, and is one `chathistory` batch). Found on the peer's protocol object.
 * @internal
 */
export interface ReplayFraming {
  /** The frames of a replay of `room`, its `events` (each marked `history`) in order; instead of rendering them one by one. */
  replayFrames(events: readonly ChatEvent[], room: string | undefined): Buffer[];
  /** Whether the client cannot be shown a replay yet; then the protocol keeps `replay` and calls it once it can. */
  deferReplay(replay: () => void): boolean;
}

/** The peer's protocol's own replay framing, if it has one. */
function replayFraming<D>(peer: Peer<D>): ReplayFraming | undefined {
  const framing = peer.frameEncoder as Partial<ReplayFraming>;
  return typeof framing.replayFrames === 'function' && typeof framing.deferReplay === 'function' ? (framing as ReplayFraming) : undefined;
}

/** How a client's recovery went, decided by its hello; its joins with `after` go by it. */
type RecoveryState = 'ok' | RecoveryFailure;

interface Greeting {
  readonly slot: HoldSlot;
  readonly timer: NodeJS.Timeout;
}

/**
 * A chat hub's history: records what chat mode relays (room messages per room, direct messages
 * per session), replays it on request (a join, a hello, `/history`), and recovers what a
 * reconnecting JSON client missed. Every replay is written before any live message sent to that
 * client after the replay was asked for: from memory at once, or, with a store that answers
 * later, by holding back that client's live traffic until it has answered.
 * @internal
 */
export class ChatHistory<D> {
  private readonly config: ResolvedHistory;
  private readonly host: HistoryHost;
  private readonly store: HistoryStore;
  private readonly holds: ReplayHolds<Peer<D>>;
  private readonly sessions: Sessions<Peer<D>> | undefined;
  private readonly greetings = new Map<Peer<D>, Greeting>();
  /** How each peer's recovery went: a promise while a shared store is asked about another hub's session. */
  private readonly recovery = new WeakMap<Peer<D>, RecoveryState | Promise<RecoveryState>>();
  /** Peers whose hello was read: only the first one's requests count. */
  private readonly helloSeen = new WeakSet<Peer<D>>();
  /** Peers whose greeting hold ended before their hello came. */
  private readonly lateGreeting = new WeakSet<Peer<D>>();
  private storeFailed = false;

  constructor(config: ResolvedHistory, host: HistoryHost) {
    this.config = config;
    this.host = host;
    this.store = config.store ?? new MemoryHistoryStore(config);
    this.holds = new ReplayHolds<Peer<D>>(host.maxQueuedBytes, (peer) => {
      this.overflow(peer);
    });
    this.sessions =
      config.recoveryWindow === 0
        ? undefined
        : new Sessions<Peer<D>>(
            host.tag,
            config.recoveryWindow,
            (key) => {
              this.guard(() => {
                this.store.delete(key);
              });
            },
            (session) => {
              // A shared store keeps where each token leads, for the hub the client comes back through.
              if (this.store.saveSession === undefined) return;
              this.guard(() => {
                this.store.saveSession?.(session.token, session.logKey, config.recoveryWindow);
              });
            },
          );
  }

  /** Most messages one request may replay. */
  get maxReplay(): number {
    return this.config.messages;
  }

  /** What `/history` without a number replays. */
  get defaultReplay(): number {
    return this.config.replayOnJoin > 0 ? this.config.replayOnJoin : Math.min(10, this.config.messages);
  }

  /** Whether some client's traffic is held back: when not, `send` is `peer.deliver`. */
  get holding(): boolean {
    return this.holds.size !== 0;
  }

  /** Writes `frame` (of the message `id`, if it is one) to `peer`, behind a replay it waits for if there is one. */
  send(peer: Peer<D>, frame: Buffer, id?: string): boolean {
    if (this.holds.size !== 0 && this.holds.offer(peer, frame, id)) return true;
    return peer.deliver(frame);
  }

  /** Keeps a room message; `remote` when another hub relayed it. */
  recordRoom(event: MessageEnvelope, remote: boolean): void {
    // On the relay's path: no closure, as `guard` would cost per message.
    try {
      this.store.append(event.room, event, remote);
    } catch (error) {
      this.warn(error);
    }
  }

  /** Keeps a direct message for `party` (its receiver, or with echo its sender), if it has a session. */
  recordDirect(party: Peer<D>, event: DirectEnvelope): void {
    const session = this.sessions?.of(party);
    if (session === undefined) return;
    this.guard(() => {
      this.store.append(session.logKey, event, false);
    });
  }

  /** The session to put in `peer`'s welcome: JSON clients get one when recovery is on. */
  welcome(peer: Peer<D>): string | undefined {
    if (!isStructuredCodec(peer.frameEncoder)) return undefined;
    return this.sessions?.open(peer, Date.now()).token;
  }

  /**
   * `peer` has been welcomed: a JSON client's traffic is held until its hello (see
   * `GREETING_HOLD_MS`); a text client is replayed the last messages of its room.
   */
  greeted(peer: Peer<D>): void {
    if (!isStructuredCodec(peer.frameEncoder)) {
      this.replayOnJoin(peer, peer.room);
      return;
    }
    const slot = this.holds.reserve(peer);
    const timer = setTimeout(() => {
      this.endGreeting(peer);
    }, GREETING_HOLD_MS);
    timer.unref();
    this.greetings.set(peer, { slot, timer });
  }

  /** What `peer` sent, before anything else reads it: its first envelope ends the greeting hold, a hello's requests are served. */
  received(peer: Peer<D>, message: unknown, kind: InputKind): void {
    const greeting = this.greetings.get(peer);
    if (greeting === undefined) {
      if (kind === 'hello') this.hello(peer, message as ClientHelloEnvelope, undefined);
      return;
    }
    this.greetings.delete(peer);
    clearTimeout(greeting.timer);
    // Live traffic flows from here: a hello after another envelope comes too late to recover.
    if (kind === 'hello') this.hello(peer, message as ClientHelloEnvelope, greeting.slot);
    else this.lateGreeting.add(peer);
    this.holds.fill(peer, greeting.slot, []);
  }

  /** `peer` joined `room` (by any means): a text client is replayed its last messages. */
  joined(peer: Peer<D>, room: string): void {
    if (!isStructuredCodec(peer.frameEncoder)) this.replayOnJoin(peer, room);
  }

  /** A client asked for `room`'s history when joining it (after its join went through the handlers). */
  requested(peer: Peer<D>, room: string, request: ReplayRequest): void {
    if (!peer.rooms.has(room)) return;
    this.serveRoom(peer, room, request, undefined);
  }

  /** `/history [N]`: the last `count` messages of `room`, then a notice. */
  command(peer: Peer<D>, room: string, count: number): void {
    this.serveRoom(peer, room, { history: count }, undefined);
  }

  /** `peer` is gone: its session may be recovered within the window; what was held for it is dropped. */
  closed(peer: Peer<D>): void {
    const greeting = this.greetings.get(peer);
    if (greeting !== undefined) {
      clearTimeout(greeting.timer);
      this.greetings.delete(peer);
    }
    this.holds.forget(peer);
    this.sessions?.close(peer, Date.now());
  }

  /** Where a recovery of `room` starts for a client coming in now: its last message's id, `''` for none (when the store can say at once). */
  anchor(room: string): string | undefined {
    const store = this.store;
    if (store.last === undefined) return undefined;
    try {
      return store.last(room);
    } catch (error) {
      this.warn(error);
      return undefined;
    }
  }

  /** How much is kept, for `hub.stats()`. */
  size(): HistorySize {
    return this.store.size();
  }

  /** A hello's requests: the session (direct messages) and the room it lands in. Only the first hello's count. */
  private hello(peer: Peer<D>, hello: ClientHelloEnvelope, before: HoldSlot | undefined): void {
    if (this.helloSeen.has(peer)) return;
    this.helloSeen.add(peer);
    const late = this.lateGreeting.has(peer);
    if (hello.session !== undefined) {
      const state: RecoveryState = late ? 'late' : this.sessions === undefined ? 'too-old' : this.sessions.resume(peer, hello.session, Date.now());
      if (state === 'unknown' && this.store.shared === true && !hello.session.startsWith(`${this.host.tag}.`)) {
        // Another hub's session, in a store every hub shares: asked there (see `foreign`).
        const found = this.foreign(peer, hello.session);
        this.recovery.set(peer, found.then((states) => states.rooms));
        this.serveDirect(peer, found.then((states) => states.direct), hello.afterDirect, before);
      } else {
        this.recovery.set(peer, state);
        this.serveDirect(peer, state, hello.afterDirect, before);
      }
    } else if (late) {
      this.recovery.set(peer, 'late');
    }
    if (hello.after !== undefined || (hello.history ?? 0) > 0) this.serveRoom(peer, peer.room, hello, before);
  }

  /**
   * Another hub's session, presented to this one, with a store every hub shares: its rooms are
   * there to recover; its direct messages too when the store still knows where the token
   * leads (it did not expire), and then this peer's session takes that log over. A token the
   * store does not know (any more) is `too-old` for both; a store that cannot answer leaves
   * the rooms to recover and the direct messages `unknown`.
   */
  private async foreign(peer: Peer<D>, token: string): Promise<{ rooms: RecoveryState; direct: RecoveryState }> {
    const store = this.store;
    if (store.findSession === undefined) return { rooms: 'ok', direct: 'unknown' };
    let logKey: string | undefined;
    try {
      logKey = await store.findSession(token);
    } catch (error) {
      this.warn(error);
      return { rooms: 'ok', direct: 'unknown' };
    }
    if (logKey === undefined) return { rooms: 'too-old', direct: 'too-old' };
    return { rooms: 'ok', direct: this.sessions?.adopt(peer, logKey) === true ? 'ok' : 'unknown' };
  }

  /** Replays what `peer`'s recovered session missed of its direct messages, then the notice. */
  private serveDirect(peer: Peer<D>, recovered: RecoveryState | Promise<RecoveryState>, after: string | undefined, before: HoldSlot | undefined): void {
    this.write(peer, before, () =>
      this.then(recovered, (state) => {
        // Looked up once the state is known: taking another hub's session over moves the log.
        const session = this.sessions?.of(peer);
        if (state !== 'ok' || session === undefined) return this.page(peer, { events: [] }, undefined, state === 'ok' ? 'unknown' : state);
        const query: HistoryQuery = after === undefined ? { limit: this.config.messages } : { limit: this.config.messages, after };
        return this.then(this.read(session.logKey, query), (page) =>
          'events' in page ? this.page(peer, page, undefined, undefined, true) : this.page(peer, { events: [] }, undefined, this.refine(page.missing, after)),
        );
      }),
    );
  }

  /** Replays `room` to `peer` as asked: what it missed since `after`, or failing that (or without it) the last `history`. */
  private serveRoom(peer: Peer<D>, room: string, request: ReplayRequest, before: HoldSlot | undefined): void {
    // A raw peer could not tell a replay from live text; a WebSocket's JSON envelopes (not delimited: one per message) say `history`.
    if (!peer.frameEncoder.delimited && !isStructuredCodec(peer.frameEncoder)) return;
    const limit = Math.min(request.history ?? 0, this.config.messages);
    const after = request.after;
    const last = (reason: RecoveryFailure | undefined): Buffer[] | Promise<Buffer[]> => {
      if (limit === 0) return this.page(peer, { events: [] }, room, reason);
      return this.then(this.read(room, { limit }), (page) => this.page(peer, 'events' in page ? page : { events: [] }, room, reason));
    };
    if (after === undefined) {
      this.write(peer, before, () => last(undefined));
      return;
    }
    const recovered = this.recovery.get(peer) ?? 'unknown';
    this.write(peer, before, () =>
      this.then(recovered, (state) =>
        state !== 'ok'
          ? last(state)
          : this.then(this.read(room, { limit: this.config.messages, after }), (page) => ('events' in page ? this.page(peer, page, room, undefined, true) : last(this.refine(page.missing, after)))),
      ),
    );
  }

  /** A text client joined `room`: its last messages, marked as history, with no notice after. */
  private replayOnJoin(peer: Peer<D>, room: string): void {
    const count = this.config.replayOnJoin;
    if (count === 0 || !peer.frameEncoder.delimited) return;
    // A client that cannot be shown it yet (an IRC client still registering) gets it once it can, if it is still in the room.
    const deferred = replayFraming(peer)?.deferReplay(() => {
      if (peer.isOpen && peer.rooms.has(room)) this.replayOnJoin(peer, room);
    });
    if (deferred === true) return;
    this.write(peer, undefined, () =>
      this.then(this.read(room, { limit: count }), (page) => ('events' in page ? this.frames(peer, this.notLive(peer, page.events), room) : [])),
    );
  }

  /**
   * The frames of a replay: its events, marked as history, then the notice that ends it
   * (`recovered` set when the client asked to recover: `reason` says why not, if not).
   */
  private page(peer: Peer<D>, page: { readonly events: readonly StoredEvent[] }, room: string | undefined, reason: RecoveryFailure | undefined, recovered = false): Buffer[] {
    const events = this.holds.has(peer) ? this.notLive(peer, page.events) : page.events;
    const frames = this.frames(peer, events, room);
    const count = events.length;
    const notice: SystemEnvelope = { v: 1, type: 'system', text: noticeText(room, count, recovered, reason), ts: Date.now(), replayed: count };
    if (room !== undefined) notice.room = room;
    if (recovered) notice.recovered = true;
    else if (reason !== undefined) {
      notice.recovered = false;
      notice.reason = reason;
    }
    const frame = new ChatFrames(notice, false, this.host.render).frameFor(peer.frameEncoder);
    if (frame !== undefined) frames.push(frame);
    return frames;
  }

  /**
   * What of `events` (a page, in the store's order) `peer` does not get live: what was relayed
   * to it while it was held goes out live, after the replay, and so does everything of the same
   * hub after it. Each hub's events reach every other hub, and a store, in the order that hub
   * relayed them, so from a hub's first held event on, the rest of its events came (or will
   * come) live too; replayed as well, they would come before it, out of order. Events of a hub
   * before its first held one arrived before the hold began, when the peer was not there.
   */
  private notLive(peer: Peer<D>, events: readonly StoredEvent[]): readonly StoredEvent[] {
    let live: Set<string> | undefined;
    return events.filter((event) => {
      const hub = event.id.slice(0, event.id.lastIndexOf('-'));
      if (live?.has(hub) === true) return false;
      if (!this.holds.holdsMessage(peer, event.id)) return true;
      live ??= new Set();
      live.add(hub);
      return false;
    });
  }

  private frames(peer: Peer<D>, events: readonly StoredEvent[], room: string | undefined): Buffer[] {
    const framing = replayFraming(peer);
    if (framing !== undefined) return events.length === 0 ? [] : framing.replayFrames(events.map((event) => ({ ...event, history: true })), room);
    const frames: Buffer[] = [];
    for (const event of events) {
      const frame = new ChatFrames({ ...event, history: true }, false, this.host.render).frameFor(peer.frameEncoder);
      if (frame !== undefined) frames.push(frame);
    }
    return frames;
  }

  /**
   * Writes what `work` makes to `peer`: at once when it is ready and nothing is held for the
   * peer, else into a place reserved now (before `before`, if given), so that it keeps its turn.
   */
  private write(peer: Peer<D>, before: HoldSlot | undefined, work: () => Buffer[] | Promise<Buffer[]>): void {
    let result: Buffer[] | Promise<Buffer[]>;
    try {
      result = work();
    } catch (error) {
      this.warn(error);
      result = [];
    }
    if (!(result instanceof Promise) && before === undefined && !this.holds.has(peer)) {
      for (const frame of result) peer.deliver(frame);
      return;
    }
    const slot = this.holds.reserve(peer, before);
    if (!(result instanceof Promise)) {
      this.holds.fill(peer, slot, result);
      return;
    }
    result.then(
      (frames) => {
        this.holds.fill(peer, slot, frames);
      },
      (error: unknown) => {
        this.warn(error);
        this.holds.fill(peer, slot, []);
      },
    );
  }

  /** Reads from the store; a store that fails answers `unknown` (and is reported once). */
  private read(key: string, query: HistoryQuery): HistoryPage | Promise<HistoryPage> {
    let page: HistoryPage | Promise<HistoryPage>;
    try {
      page = this.store.read(key, query);
    } catch (error) {
      this.warn(error);
      return { missing: 'unknown' };
    }
    if (!isPromiseLike(page)) return page;
    // A thenable of another library's becomes a Promise, which is what the rest checks for.
    return Promise.resolve(page).catch((error: unknown): HistoryPage => {
      this.warn(error);
      return { missing: 'unknown' };
    });
  }

  private then<T, R>(value: T | Promise<T>, next: (value: T) => R | Promise<R>): R | Promise<R> {
    return value instanceof Promise ? value.then(next) : next(value);
  }


  /** An id the store does not have is too old when this hub handed it out: it has been dropped since. */
  private refine(missing: 'too-old' | 'unknown', after: string | undefined): RecoveryFailure {
    if (missing === 'too-old' || after === undefined) return 'too-old';
    return after.startsWith(`${this.host.tag}-`) ? 'too-old' : 'unknown';
  }

  /** The greeting hold ended before the hello came (timer, or too much held): the traffic goes out, a later recovery is `late`. */
  private endGreeting(peer: Peer<D>): void {
    const greeting = this.greetings.get(peer);
    if (greeting === undefined) return;
    this.greetings.delete(peer);
    clearTimeout(greeting.timer);
    this.lateGreeting.add(peer);
    this.holds.fill(peer, greeting.slot, []);
  }

  /** Too much held for one client: a greeting hold just ends; a client still waiting for its store after that is a slow consumer. */
  private overflow(peer: Peer<D>): void {
    if (this.greetings.has(peer)) {
      this.endGreeting(peer);
      if (!this.holds.has(peer)) return;
    }
    this.holds.forget(peer);
    peer.destroy('slow-consumer');
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.warn(error);
    }
  }

  /** A store that throws must not end the chat: reported once, then what it cannot do is skipped. */
  private warn(error: unknown): void {
    if (this.storeFailed) return;
    this.storeFailed = true;
    process.emitWarning(`broadcast-chat: the history store failed (${String(error)}); replays it cannot answer are empty`, 'HistoryWarning');
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<HistoryPage> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** What a replay's closing notice says, for people (programs read its fields). */
function noticeText(room: string | undefined, count: number, recovered: boolean, reason: RecoveryFailure | undefined): string {
  const where = room ?? 'your direct messages';
  const messages = `${count} message${count === 1 ? '' : 's'}`;
  if (recovered) return `recovered ${messages} you missed in ${where}`;
  if (reason === 'off') return 'no history: this hub keeps none';
  if (reason !== undefined) {
    const why = reason === 'too-old' ? 'away too long' : reason === 'late' ? 'asked too late' : 'unknown to this hub';
    return `could not recover what you missed in ${where} (${why})${count === 0 ? '' : `; the last ${messages} are above`}`;
  }
  return count === 0 ? `no history in ${where}` : `end of the history of ${where} (${messages})`;
}

/**
 * The notice a hub without history answers a replay request with.
 * @internal
 */
export function historyOffNotice(room: string | undefined, recovering: boolean): SystemEnvelope {
  const notice: SystemEnvelope = { v: 1, type: 'system', text: noticeText(room, 0, false, 'off'), ts: Date.now(), replayed: 0, reason: 'off' };
  if (room !== undefined) notice.room = room;
  if (recovering) notice.recovered = false;
  return notice;
}
