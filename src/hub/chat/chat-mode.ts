import { randomBytes } from 'node:crypto';
import type { Peer } from '../peer.js';
import type { RoomRegistry } from '../rooms.js';
import { ChatFrames, type RenderOptions } from './chat-frames.js';
import type { ChatEvent, ClientEnvelope, DirectEnvelope, MessageEnvelope } from '../../protocol/envelope.js';
import { defaultFormatter, toSafeLine, type ChatFormatter } from '../../protocol/formatter.js';

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
        return line === undefined ? undefined : toSafeLine(line);
      },
    };
  }

  /**
   * Turns what a peer sent into text: a JSON `message` gives its text, a control envelope
   * the slash command it stands for, so that both run the same command handlers. Returns
   * `undefined` for what is not a message (a `hello` without a name, an empty line).
   */
  read(raw: unknown): ChatInput | undefined {
    if (typeof raw === 'string') return raw.trim() === '' ? undefined : { text: raw };
    if (raw instanceof Uint8Array) return { text: Buffer.from(raw).toString('utf8') };
    const envelope = raw as ClientEnvelope;
    switch (envelope.type) {
      case 'message':
        // Membership of a named room is checked when the message starts through the handlers (the hub's beginMessage).
        if (envelope.text.trim() === '') return undefined;
        return envelope.room === undefined ? { text: envelope.text, envelope } : { text: envelope.text, room: envelope.room, envelope };
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
        // A credential is the authenticate hook's alone; handlers never see it.
        const hello: ClientEnvelope = envelope.token === undefined ? envelope : { v: envelope.v, type: 'hello', nick: envelope.nick };
        return { text: `/nick ${envelope.nick}`, envelope: hello };
      }
      case 'pong':
        // Heartbeat answers are the hub's business (it reads them before chat mode), never a message.
        return undefined;
    }
  }

  /** Relays `text` from `from` to the members of `room`, or to `to` alone. Returns how many peers it was queued for. */
  relay(from: Peer<D>, text: string, room: string, to: Peer<D> | undefined, action: boolean): number {
    const id = this.nextId();
    const ts = Date.now();
    if (to !== undefined) {
      const frames = new ChatFrames({ v: 1, type: 'direct', id, sender: from.nick, to: to.nick, text, ts }, false, this.render);
      const receivers = this.host.echo && to !== from ? [to, from] : [to];
      return deliver(receivers, frames, undefined);
    }
    const event: MessageEnvelope = action ? { v: 1, type: 'message', id, sender: from.nick, room, text, ts, action } : { v: 1, type: 'message', id, sender: from.nick, room, text, ts };
    // The same envelope (id included) goes to the other hubs, so every receiver sees one message.
    this.host.publish?.(event);
    return deliver(this.host.rooms.membersOf(room), new ChatFrames(event, false, this.render), this.host.echo ? undefined : from);
  }

  /**
   * Sends a direct message to `nick`, a peer on another hub (through the cluster adapter),
   * echoing it to the sender when the hub echoes. Returns the envelope sent.
   */
  relayRemoteDirect(from: Peer<D>, nick: string, text: string): DirectEnvelope {
    const event: DirectEnvelope = { v: 1, type: 'direct', id: this.nextId(), sender: from.nick, to: nick, text, ts: Date.now() };
    this.host.publish?.(event);
    if (this.host.echo) send(from, new ChatFrames(event, false, this.render));
    return event;
  }

  /**
   * Delivers an event that another hub published to local `members`: a message or direct
   * message to each, a notice (`notice`: join, leave, nick) only to those already greeted.
   */
  deliverRemote(members: Iterable<Peer<D>>, event: ChatEvent, notice: boolean): void {
    if (notice) this.announce(members, event, undefined);
    else deliver(members, new ChatFrames(event, false, this.render), undefined);
  }

  /** Welcomes a new peer (telling it its name) and announces it to its room. */
  greet(peer: Peer<D>): void {
    if (this.greeted.has(peer) || !peer.isOpen) return;
    this.greeted.add(peer);
    const room = peer.room;
    const text = `welcome, ${peer.nick}: you are in ${room}; /help lists the commands`;
    send(peer, new ChatFrames({ v: 1, type: 'system', text, nick: peer.nick, room, ts: Date.now() }, true, this.render));
    this.announce(this.host.rooms.membersOf(room), { v: 1, type: 'join', nick: peer.nick, room, ts: Date.now() }, peer);
  }

  /** Whether `peer` was greeted (and so should be seen leaving). */
  wasGreeted(peer: Peer<D>): boolean {
    return this.greeted.has(peer);
  }

  /** Tells `room` (the joiner included) that `peer` joined it. */
  announceJoin(peer: Peer<D>, room: string): void {
    if (!this.greeted.has(peer)) return;
    this.announce(this.host.rooms.membersOf(room), { v: 1, type: 'join', nick: peer.nick, room, ts: Date.now() }, undefined);
  }

  /** Tells the members of `room` (call before or after removing the leaver, as it should hear it or not) that `peer` left. */
  announceLeave(peer: Peer<D>, room: string, reason?: string): void {
    if (!this.greeted.has(peer)) return;
    const event: ChatEvent = reason === undefined ? { v: 1, type: 'leave', nick: peer.nick, room, ts: Date.now() } : { v: 1, type: 'leave', nick: peer.nick, room, ts: Date.now(), reason };
    this.announce(this.host.rooms.membersOf(room), event, undefined);
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
    return send(peer, new ChatFrames(event, false, this.render));
  }

  /** Tells `peer` that what it sent was refused. */
  refuse(peer: Peer<D>, code: string, message: string): boolean {
    return send(peer, new ChatFrames({ v: 1, type: 'error', code, message, ts: Date.now() }, false, this.render));
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
      if (peer !== except && this.greeted.has(peer)) send(peer, frames);
    }
  }

  private nextId(): string {
    this.sequence += 1;
    return `${this.idPrefix}-${this.sequence.toString(36)}`;
  }
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
