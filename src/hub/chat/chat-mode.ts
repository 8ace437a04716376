import { randomBytes } from 'node:crypto';
import type { InputKind } from '../../protocol/classify.js';
import type { Peer } from '../peer.js';
import type { RoomRegistry } from '../rooms.js';
import { ChatFrames, type RenderOptions } from './chat-frames.js';
import type { ChatEvent, ClientEnvelope, ClientHelloEnvelope, DirectEnvelope, JoinEnvelope, MessageEnvelope, SystemEnvelope } from '../../protocol/envelope.js';
import { defaultFormatter, toSafeLine, type ChatFormatter } from '../../protocol/formatter.js';
import type { HistoryStats } from '../stats.js';
import { ChatHistory, historyOffNotice, type ReplayRequest } from '../history/chat-history.js';
import type { ResolvedHistory } from '../history/history-options.js';
import type { KickDetail } from '../membership.js';
import type { HubModeration } from '../moderation/moderation.js';
import type { RoomTopic } from '../moderation/topics.js';

/**
 * What starts a text line replayed from the history: `(history) alice: hello`. No live line
 * starts so (the default rendering starts with a name, `[`, `*` or `!`, and a live line of a
 * formatter's own that would is given a `\` in front), so a reader can trust the mark.
 */
export const HISTORY_LINE_MARK = '(history) ';

/** Options for chat mode: `new BroadcastHub({ chat: { ... } })`. */
export interface ChatOptions {
  /**
   * Renders events for text peers. Default: `defaultFormatter` (`alice: hello`). An event it
   * throws on is rendered by `defaultFormatter` instead, with one process warning.
   */
  formatter?: ChatFormatter;
  /** Send join, leave, nick and welcome notices to raw peers too. Default `false`: raw peers get bare text only. */
  rawNotices?: boolean;
  /** Register the built-in commands (`/nick`, `/join`...). Default `true`. */
  builtinCommands?: boolean;
}

/** A message from a peer, once chat mode has read it: text, plus the room a JSON peer named. */
export interface ChatInput {
  readonly text: string;
  readonly room?: string;
  readonly envelope?: ClientEnvelope;
}

/**
 * What chat mode needs from its hub.
 * @internal
 */
export interface ChatModeHost<D> {
  readonly rooms: RoomRegistry<Peer<D>>;
  readonly echo: boolean;
  /** With a cluster adapter: hands each relayed room message and remote direct message to the other hubs. */
  readonly publish?: ((event: MessageEnvelope | DirectEnvelope) => void) | undefined;
  /** The hub's `history` option, when it keeps one. */
  readonly history?: ResolvedHistory | undefined;
  /** Most bytes that may wait for one client (what a replay may hold back for it). */
  readonly maxQueuedBytes: number;
}

/**
 * The chat behaviour of a hub created with `chat: true`: turns what peers send into text
 * and commands, renders relayed messages and notices per framing, and announces joins,
 * leaves and nick changes.
 * @internal
 */
export class ChatMode<D> {
  private readonly host: ChatModeHost<D>;
  private readonly render: RenderOptions;
  private readonly idPrefix = randomBytes(4).toString('hex');
  private sequence = 0;
  private readonly greeted = new WeakSet<Peer<D>>();
  private readonly quitReasons = new WeakMap<Peer<D>, string>();
  private formatterFailed = false;
  /** The history, when the hub keeps one. */
  private readonly history: ChatHistory<D> | undefined;
  /** The hello of a peer still at the authentication gate (token left out): its history requests wait for the welcome. */
  private readonly heldHellos = new WeakMap<Peer<D>, ClientEnvelope>();
  /** Peers whose hello a hub without history has answered: only the first one is. */
  private readonly answeredHellos = new WeakSet<Peer<D>>();
  /** The hub's moderation (set by it): what the moderation commands act through, and the topics shown on join. */
  moderation: HubModeration<D> | undefined;

  constructor(host: ChatModeHost<D>, options: ChatOptions) {
    this.host = host;
    const formatter = options.formatter ?? defaultFormatter;
    const context = { defaultRoom: host.rooms.defaultRoom };
    this.render = {
      rawNotices: options.rawNotices ?? false,
      render: (event) => {
        let line: string | undefined;
        try {
          line = formatter(event, context);
        } catch (error) {
          // A formatter bug must not end the chat (or the process) mid-broadcast: render this
          // event the default way and say so once.
          if (!this.formatterFailed) {
            this.formatterFailed = true;
            process.emitWarning(`broadcast-chat: the chat formatter threw (${String(error)}); using the default rendering for such events`, 'FormatterWarning');
          }
          line = defaultFormatter(event, context);
        }
        if (line === undefined) return undefined;
        const safe = toSafeLine(line);
        if ((event.type === 'message' || event.type === 'direct') && event.history === true) return `${HISTORY_LINE_MARK}${safe}`;
        // Only the hub marks history: a live line that would read as such gets a `\` in front.
        return safe.startsWith(HISTORY_LINE_MARK) ? `\\${safe}` : safe;
      },
    };
    this.history = host.history === undefined ? undefined : new ChatHistory<D>(host.history, { render: this.render, tag: this.idPrefix, maxQueuedBytes: host.maxQueuedBytes });
  }

  /** Whether the hub keeps a history (and so has `/history`). */
  get keepsHistory(): boolean {
    return this.history !== undefined;
  }

  /** What `/history` without a number replays, and the most it replays. */
  get historyLimits(): { readonly defaultCount: number; readonly maxCount: number } {
    return { defaultCount: this.history?.defaultReplay ?? 0, maxCount: this.history?.maxReplay ?? 0 };
  }

  /** The history's size for `hub.stats()`, when the hub keeps one. */
  historyStats(): HistoryStats | undefined {
    const size = this.history?.size();
    return size === undefined ? undefined : { rooms: size.rooms, messages: size.messages, bytes: size.bytes };
  }

  /**
   * What a peer sent, before anything else reads it (the hub calls this for every message of a
   * client that is in): a JSON client's first envelope ends the hold on its traffic, and its
   * hello's history requests (the session, the room it lands in) are served there and then.
   */
  received(peer: Peer<D>, message: unknown, kind: InputKind): void {
    if (this.history === undefined) {
      if (kind === 'hello') this.answerWithoutHistory(peer, message as ClientEnvelope);
      return;
    }
    this.history.received(peer, message, kind);
  }

  /**
   * A hello the authentication gate took (it carried the credentials): its history requests are
   * answered once the peer is let in and welcomed, never before. Only the first one is kept.
   */
  heldHello(peer: Peer<D>, message: unknown): void {
    const hello = message as ClientEnvelope;
    if (hello.type !== 'hello' || this.heldHellos.has(peer)) return;
    // The credential stays the hook's: only what history reads is kept.
    const kept: ClientHelloEnvelope = { v: 1, type: 'hello' };
    if (hello.session !== undefined) kept.session = hello.session;
    if (hello.after !== undefined) kept.after = hello.after;
    if (hello.afterDirect !== undefined) kept.afterDirect = hello.afterDirect;
    if (hello.history !== undefined) kept.history = hello.history;
    this.heldHellos.set(peer, kept);
  }

  /**
   * `peer` asked for `room`'s history as it joined it (`join` with `history` or `after`); called
   * once the join has gone through the handlers and `peer` is in the room.
   */
  replayRequested(peer: Peer<D>, room: string, request: ReplayRequest): void {
    if (request.after === undefined && (request.history ?? 0) === 0) return;
    if (this.history === undefined) send(peer, new ChatFrames(historyOffNotice(room, request.after !== undefined), false, this.render));
    else this.history.requested(peer, room, request);
  }

  /** `/history [N]`: the last `count` messages of the room `peer` talks in, marked as history, then a notice. */
  replayHistory(peer: Peer<D>, count: number): void {
    this.history?.command(peer, peer.room, count);
  }

  /** `peer` is gone: its session may still be recovered; nothing is held for it any more. */
  closed(peer: Peer<D>): void {
    this.history?.closed(peer);
  }

  /**
   * Turns what a peer sent into text: a JSON `message` gives its text, a control envelope
   * the slash command it stands for, so that both run the same command handlers. Returns
   * `undefined` for what is not a message (a `hello` without a name, an empty line).
   */
  read(raw: unknown): ChatInput | undefined {
    if (typeof raw === 'string') return raw.trim() === '' ? undefined : (typedOper(raw) ?? { text: raw });
    if (raw instanceof Uint8Array) {
      const text = Buffer.from(raw).toString('utf8');
      return typedOper(text) ?? { text };
    }
    const envelope = raw as ClientEnvelope;
    switch (envelope.type) {
      case 'message': {
        // Membership of a named room is checked when the message starts through the handlers (the hub's beginMessage).
        if (envelope.text.trim() === '') return undefined;
        const oper = typedOper(envelope.text);
        if (oper !== undefined) return oper;
        return envelope.room === undefined ? { text: envelope.text, envelope } : { text: envelope.text, room: envelope.room, envelope };
      }
      case 'join':
        return { text: `/join ${envelope.room}`, envelope };
      case 'leave':
        return { text: `/leave ${envelope.room}`, envelope };
      case 'nick':
        return { text: `/nick ${envelope.nick}`, envelope };
      case 'direct':
        return { text: `/msg ${envelope.to} ${envelope.text}`, envelope };
      case 'hello': {
        if (envelope.nick === undefined) return undefined;
        // A credential is the authenticate hook's alone, a session its owner's: handlers see the name only.
        return { text: `/nick ${envelope.nick}`, envelope: { v: envelope.v, type: 'hello', nick: envelope.nick } };
      }
      case 'pong':
        // Heartbeat answers are the hub's business (it reads them before chat mode), never a message.
        return undefined;
      case 'oper':
        // The password stays in the envelope, for the command alone: listeners and handlers see the name only.
        return { text: `/oper ${envelope.name}`, envelope };
      case 'kick':
        return { text: joinWords('/kick', envelope.room === undefined ? undefined : `#${envelope.room}`, envelope.nick, envelope.reason), envelope };
      case 'ban':
        return { text: joinWords('/ban', envelope.room === undefined ? undefined : `#${envelope.room}`, envelope.target, envelope.duration, envelope.reason), envelope };
      case 'unban':
        return { text: joinWords('/unban', envelope.room === undefined ? undefined : `#${envelope.room}`, envelope.target), envelope };
      case 'bans':
        return { text: joinWords('/bans', envelope.room === undefined ? undefined : `#${envelope.room}`), envelope };
      case 'mute':
        return { text: joinWords('/mute', envelope.nick, envelope.duration), envelope };
      case 'unmute':
        return { text: `/unmute ${envelope.nick}`, envelope };
      case 'topic':
        return { text: joinWords('/topic', `#${envelope.room}`, envelope.text), envelope };
    }
  }

  /** Relays `text` from `from` to the members of `room`, or to `to` alone. Returns how many peers it was queued for. */
  relay(from: Peer<D>, text: string, room: string, to: Peer<D> | undefined, action: boolean): number {
    const id = this.nextId();
    const ts = Date.now();
    if (to !== undefined) {
      const event: DirectEnvelope = { v: 1, type: 'direct', id, sender: from.nick, to: to.nick, text, ts };
      const receivers = this.host.echo && to !== from ? [to, from] : [to];
      // Kept for its parties only, in the log of each one's session: only they can recover it.
      if (this.history !== undefined) for (const party of receivers) this.history.recordDirect(party, event);
      return this.deliver(receivers, new ChatFrames(event, false, this.render), undefined);
    }
    const event: MessageEnvelope = action ? { v: 1, type: 'message', id, sender: from.nick, room, text, ts, action } : { v: 1, type: 'message', id, sender: from.nick, room, text, ts };
    // Kept before it is delivered: a replay asked for from here on includes it.
    this.history?.recordRoom(event, false);
    // The same envelope (id included) goes to the other hubs, so every receiver sees one message.
    this.host.publish?.(event);
    return this.deliver(this.host.rooms.membersOf(room), new ChatFrames(event, false, this.render), this.host.echo ? undefined : from);
  }

  /**
   * Sends a direct message to `nick`, a peer on another hub (through the cluster adapter),
   * echoing it to the sender when the hub echoes. Returns the envelope sent.
   */
  relayRemoteDirect(from: Peer<D>, nick: string, text: string): DirectEnvelope {
    const event: DirectEnvelope = { v: 1, type: 'direct', id: this.nextId(), sender: from.nick, to: nick, text, ts: Date.now() };
    this.host.publish?.(event);
    if (this.host.echo) {
      this.history?.recordDirect(from, event);
      this.send(from, new ChatFrames(event, false, this.render));
    }
    return event;
  }

  /**
   * Delivers an event that another hub published to local `members`: a message or direct
   * message to each, a notice (`notice`: join, leave, nick) only to those already greeted.
   */
  deliverRemote(members: Iterable<Peer<D>>, event: ChatEvent, notice: boolean): void {
    if (notice) {
      this.announce(members, event, undefined);
      return;
    }
    if (this.history !== undefined) {
      // What other hubs relayed is part of this hub's history too (a shared store has it already).
      if (event.type === 'message') this.history.recordRoom(event, true);
      else if (event.type === 'direct') for (const member of members) this.history.recordDirect(member, event);
    }
    this.deliver(members, new ChatFrames(event, false, this.render), undefined);
  }

  /** Welcomes a new peer (telling it its name) and announces it to its room. */
  greet(peer: Peer<D>): void {
    if (this.greeted.has(peer) || !peer.isOpen) return;
    this.greeted.add(peer);
    const room = peer.room;
    const text = `welcome, ${peer.nick}: you are in ${room}; /help lists the commands`;
    const welcome: SystemEnvelope = { v: 1, type: 'system', text, nick: peer.nick, room, ts: Date.now() };
    const session = this.history?.welcome(peer);
    if (session !== undefined) {
      welcome.session = session;
      const last = this.history?.anchor(room);
      if (last !== undefined) welcome.last = last;
    }
    this.send(peer, new ChatFrames(welcome, true, this.render));
    // After the welcome: a text client's replay, or a JSON client's hold until its hello,
    // which is here already if it came with the credentials.
    this.history?.greeted(peer);
    const held = this.heldHellos.get(peer);
    if (held !== undefined) {
      this.heldHellos.delete(peer);
      this.received(peer, held, 'hello');
    }
    this.announce(this.host.rooms.membersOf(room), { v: 1, type: 'join', nick: peer.nick, room, ts: Date.now() }, peer);
    this.showTopic(peer, room);
  }

  /** Whether `peer` was greeted (and so should be seen leaving). */
  wasGreeted(peer: Peer<D>): boolean {
    return this.greeted.has(peer);
  }

  /** Tells `room` (the joiner included) that `peer` joined it. */
  announceJoin(peer: Peer<D>, room: string): void {
    if (!this.greeted.has(peer)) return;
    const event: JoinEnvelope = { v: 1, type: 'join', nick: peer.nick, room, ts: Date.now() };
    // Where the joiner's recovery of the room starts if it sees nothing else there.
    const last = this.history?.anchor(room);
    if (last !== undefined) event.last = last;
    this.announce(this.host.rooms.membersOf(room), event, undefined);
    this.history?.joined(peer, room);
    this.showTopic(peer, room);
  }

  /**
   * Tells the members of `room` (call before or after removing the leaver, as it should hear it
   * or not) that `peer` left; `kick` when an operator removed it (`kicked`, `by`).
   */
  announceLeave(peer: Peer<D>, room: string, reason?: string, kick?: KickDetail): void {
    if (!this.greeted.has(peer)) return;
    let event: ChatEvent;
    if (kick !== undefined) {
      event = { v: 1, type: 'leave', nick: peer.nick, room, ts: Date.now(), kicked: true, by: kick.by };
      if (kick.reason !== '') event.reason = kick.reason;
    } else event = reason === undefined ? { v: 1, type: 'leave', nick: peer.nick, room, ts: Date.now() } : { v: 1, type: 'leave', nick: peer.nick, room, ts: Date.now(), reason };
    this.announce(this.host.rooms.membersOf(room), event, undefined);
  }

  /** Tells the members of `room` its new topic (`undefined`: cleared). */
  announceTopic(room: string, topic: RoomTopic | undefined, by: string): void {
    const event: ChatEvent = topic === undefined ? { v: 1, type: 'topic', room, text: '', by, ts: Date.now() } : { v: 1, type: 'topic', room, text: topic.text, by: topic.by, ts: topic.setAt };
    this.announce(this.host.rooms.membersOf(room), event, undefined);
  }

  /** Shows a client that came into `room` the room's topic, if it has one. */
  private showTopic(peer: Peer<D>, room: string): void {
    const topic = this.moderation?.topic(room);
    if (topic === undefined || !this.greeted.has(peer)) return;
    this.send(peer, new ChatFrames({ v: 1, type: 'topic', room, text: topic.text, by: topic.by, ts: topic.setAt }, true, this.render));
  }

  /** Tells everyone who shares a room with `peer`, and `peer`, about its new name. */
  announceNick(peer: Peer<D>, previous: string): void {
    if (!this.greeted.has(peer)) return;
    const audience = new Set<Peer<D>>([peer]);
    for (const room of peer.rooms) for (const member of this.host.rooms.membersOf(room)) audience.add(member);
    this.announce(audience, { v: 1, type: 'nick', from: previous, nick: peer.nick, ts: Date.now() }, undefined);
  }

  /** Answers `peer` alone with a notice; `names` lists what `/who` or `/rooms` found. */
  reply(peer: Peer<D>, text: string, names?: string[]): boolean {
    const event: ChatEvent = names === undefined ? { v: 1, type: 'system', text, ts: Date.now() } : { v: 1, type: 'system', text, names, ts: Date.now() };
    return this.send(peer, new ChatFrames(event, false, this.render));
  }

  /** Tells `peer` that what it sent was refused. */
  refuse(peer: Peer<D>, code: string, message: string): boolean {
    return this.send(peer, new ChatFrames({ v: 1, type: 'error', code, message, ts: Date.now() }, false, this.render));
  }

  /** Remembers why `peer` is quitting, for the leave announcements. */
  setQuitReason(peer: Peer<D>, reason: string): void {
    this.quitReasons.set(peer, reason);
  }

  /** Why `peer` quit, if it said. */
  quitReason(peer: Peer<D>): string | undefined {
    return this.quitReasons.get(peer);
  }

  /** Notices go only to greeted peers: one whose framing is still unknown may not read them. */
  private announce(members: Iterable<Peer<D>>, event: ChatEvent, except: Peer<D> | undefined): void {
    const frames = new ChatFrames(event, true, this.render);
    for (const peer of members) {
      if (peer !== except && this.greeted.has(peer)) this.send(peer, frames);
    }
  }

  /** A hello's history requests on a hub that keeps none: each is told so. */
  private answerWithoutHistory(peer: Peer<D>, hello: ClientEnvelope): void {
    if (hello.type !== 'hello' || this.answeredHellos.has(peer)) return;
    this.answeredHellos.add(peer);
    if (hello.session !== undefined) send(peer, new ChatFrames(historyOffNotice(undefined, true), false, this.render));
    if (hello.after !== undefined || (hello.history ?? 0) > 0) send(peer, new ChatFrames(historyOffNotice(peer.room, hello.after !== undefined), false, this.render));
  }

  private deliver(members: Iterable<Peer<D>>, frames: ChatFrames, except: Peer<D> | undefined): number {
    // Without a replay in progress anywhere, straight to the peers.
    if (this.history?.holding !== true) return deliver(members, frames, except);
    let delivered = 0;
    for (const peer of members) {
      if (peer !== except && this.send(peer, frames)) delivered += 1;
    }
    return delivered;
  }

  /** Sends to one peer, behind a replay it waits for, if any. */
  private send(peer: Peer<D>, frames: ChatFrames): boolean {
    if (this.history?.holding !== true) return send(peer, frames);
    const frame = frames.frameFor(peer.frameEncoder);
    return frame !== undefined && this.history.send(peer, frame, frames.messageId);
  }

  private nextId(): string {
    this.sequence += 1;
    return `${this.idPrefix}-${this.sequence.toString(36)}`;
  }
}

/** A slash command from its words, leaving out those not given. */
function joinWords(...words: (string | undefined)[]): string {
  return words.filter((word) => word !== undefined && word !== '').join(' ');
}

function deliver<D>(members: Iterable<Peer<D>>, frames: ChatFrames, except: Peer<D> | undefined): number {
  let delivered = 0;
  for (const peer of members) {
    if (peer !== except && send(peer, frames)) delivered += 1;
  }
  return delivered;
}

function send<D>(peer: Peer<D>, frames: ChatFrames): boolean {
  const frame = frames.frameFor(peer.frameEncoder);
  return frame !== undefined && peer.deliver(frame);
}

const TYPED_OPER = /^\/oper\s+(\S+)\s+(.+?)\s*$/isu;

/**
 * `/oper NAME PASSWORD` as typed, read as the `oper` envelope: the password stays in the
 * envelope, for the command alone, so that the `message` event, handlers and logs see
 * `/oper NAME` only, whichever way it was sent.
 */
function typedOper(text: string): ChatInput | undefined {
  // On every message's path: most are not commands, and cost one character test.
  if (text.charCodeAt(0) !== 0x2f) return undefined;
  const typed = TYPED_OPER.exec(text);
  if (typed === null) return undefined;
  const name = typed[1] ?? '';
  return { text: `/oper ${name}`, envelope: { v: 1, type: 'oper', name, password: typed[2] ?? '' } };
}
