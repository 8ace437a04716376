import type { BroadcastHub } from '../hub/hub.js';
import type { ChatEvent, JoinEnvelope, LeaveEnvelope, MessageEnvelope, NickEnvelope } from '../protocol/envelope.js';
import { ircJoin, ircNick, ircPart, ircQuit, ircRoomMessage, ircTimeTag } from '../protocol/irc-render.js';

/** A leave, as IRC shows it, and whether it was a QUIT. */
export interface IrcLeaveFrame {
  readonly frame: Buffer;
  readonly quit: boolean;
}

/**
 * The frames of one door's broadcast events, rendered once per event and shared by every IRC
 * client that gets it: each IRC connection is a protocol object of its own (its replies name
 * it), but a room message reads the same for all of them, so its bytes are made once (twice
 * with `server-time`: with and without the tag) and kept only as long as the event is.
 * @internal
 */
export class IrcFrames<D> {
  private readonly hub: BroadcastHub<unknown, D>;
  private readonly userHost: string;
  private readonly plain = new WeakMap<ChatEvent, Buffer>();
  private readonly timed = new WeakMap<ChatEvent, Buffer>();
  private readonly quits = new WeakMap<LeaveEnvelope, boolean>();

  constructor(hub: BroadcastHub<unknown, D>, userHost: string) {
    this.hub = hub;
    this.userHost = userHost;
  }

  /** A room message: PRIVMSG to its channel. */
  roomMessage(event: MessageEnvelope, time: boolean): Buffer {
    return this.cached(event, time, (tags) => ircRoomMessage(event, this.userHost, tags));
  }

  /** Someone else joined a room. */
  join(event: JoinEnvelope, time: boolean): Buffer {
    return this.cached(event, time, (tags) => ircJoin(event, this.userHost, tags));
  }

  /** Someone changed nickname. */
  nick(event: NickEnvelope, time: boolean): Buffer {
    return this.cached(event, time, (tags) => ircNick(event, this.userHost, tags));
  }

  /**
   * Someone left a room: a PART while they are still in the chat (here or on another hub of a
   * cluster), a QUIT once they are gone, decided once per event so that every receiver reads it
   * the same way.
   */
  leave(event: LeaveEnvelope, time: boolean): IrcLeaveFrame {
    let quit = this.quits.get(event);
    if (quit === undefined) {
      quit = this.hub.findPeer(event.nick) === undefined && this.hub.adapter?.findNick(event.nick) === undefined;
      this.quits.set(event, quit);
    }
    const gone = quit;
    return { frame: this.cached(event, time, (tags) => (gone ? ircQuit(event, this.userHost, tags) : ircPart(event, this.userHost, tags))), quit };
  }

  private cached(event: ChatEvent, time: boolean, render: (tags: string | undefined) => string): Buffer {
    const cache = time ? this.timed : this.plain;
    let frame = cache.get(event);
    if (frame === undefined) {
      frame = Buffer.from(render(time ? ircTimeTag(event.ts) : undefined), 'utf8');
      cache.set(event, frame);
    }
    return frame;
  }
}
