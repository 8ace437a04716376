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
 * with `server-time`: with and without the tag). The hub hands an event to its receivers one
 * after the other, so the last event's frames are all that is kept: an event asked for again
 * after another (rare: a listener that acts in the middle of a broadcast) is rendered again, to
 * the same bytes, since whether a leave is a QUIT is decided once per event.
 * @internal
 */
export class IrcFrames<D> {
  private readonly hub: BroadcastHub<unknown, D>;
  private readonly userHost: string;
  private readonly plain = new LastFrame();
  private readonly timed = new LastFrame();
  /** Whether each leave still referenced is a QUIT: kept per event, not per slot, so that it never changes within one. */
  private readonly quits = new WeakMap<LeaveEnvelope, boolean>();

  constructor(hub: BroadcastHub<unknown, D>, userHost: string) {
    this.hub = hub;
    this.userHost = userHost;
  }

  /** A room message: PRIVMSG to its channel. */
  roomMessage(event: MessageEnvelope, time: boolean): Buffer {
    return this.cached(event, time, ircRoomMessage);
  }

  /** Someone else joined a room. */
  join(event: JoinEnvelope, time: boolean): Buffer {
    return this.cached(event, time, ircJoin);
  }

  /** Someone changed nickname. */
  nick(event: NickEnvelope, time: boolean): Buffer {
    return this.cached(event, time, ircNick);
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
    return { frame: this.cached(event, time, quit ? ircQuit : ircPart), quit };
  }

  private cached<E extends ChatEvent>(event: E, time: boolean, render: (event: E, userHost: string, tags?: string) => string): Buffer {
    const last = time ? this.timed : this.plain;
    if (last.event !== event || last.render !== render) {
      last.frame = Buffer.from(render(event, this.userHost, time ? ircTimeTag(event.ts) : undefined), 'utf8');
      last.event = event;
      last.render = render;
    }
    return last.frame;
  }
}

/** The frame of the event rendered last, in one variant, and how it was rendered. */
class LastFrame {
  event: ChatEvent | undefined;
  render: ((event: never, userHost: string, tags?: string) => string) | undefined;
  frame = Buffer.alloc(0);
}
