import type { ClientEnvelope } from '../protocol/envelope.js';
import type { BroadcastHub } from './hub.js';
import type { Peer } from './peer.js';

/**
 * How a context talks back to its sender; the hub provides it, so that a reply is rendered
 * for the sender's framing (a notice line, a JSON envelope, bare text).
 * @internal
 */
export interface ContextReplies<D> {
  reply(peer: Peer<D>, text: string): boolean;
  refuse(peer: Peer<D>, code: string, message: string): boolean;
}

/**
 * One incoming message on its way through the hub's handler chain (`hub.use()`) and
 * commands (`hub.command()`). Handlers may change where it goes and what it says, answer
 * the sender, or stop it.
 *
 * @typeParam T - the hub's message type.
 * @typeParam D - the type of each peer's `data`.
 */
export class MessageContext<T = string, D = Record<string, unknown>> {
  /** Who sent it. */
  readonly peer: Peer<D>;
  /** The hub it arrived at. */
  readonly hub: BroadcastHub<T, D>;
  /** What will be relayed; assign to transform it. */
  message: T;
  /** The room the relay delivers to; starts as the sender's current room. Assign to redirect. */
  room: string;
  /** Set to deliver to this one peer instead of a room (a direct message). */
  target: Peer<D> | undefined;
  /** The validated envelope, when the message came from a JSON peer. */
  readonly envelope: ClientEnvelope | undefined;
  private readonly replies: ContextReplies<D>;
  private isDropped = false;

  /** @internal */
  constructor(hub: BroadcastHub<T, D>, replies: ContextReplies<D>, peer: Peer<D>, message: T, room: string, envelope?: ClientEnvelope) {
    this.hub = hub;
    this.replies = replies;
    this.peer = peer;
    this.message = message;
    this.room = room;
    this.target = undefined;
    this.envelope = envelope;
  }

  /** Whether a handler stopped the message. */
  get dropped(): boolean {
    return this.isDropped;
  }

  /** Stops the message: no later handler runs and nothing is relayed. */
  drop(): void {
    this.isDropped = true;
  }

  /**
   * Sends `text` to the sender alone, as a notice in chat mode (a `system` envelope for
   * JSON peers) and as-is otherwise. Returns `false` if the sender is gone.
   */
  reply(text: string): boolean {
    return this.replies.reply(this.peer, text);
  }

  /**
   * Tells the sender its message was refused (an `error` envelope for JSON peers, a `! ...`
   * line for text peers) and drops the message.
   */
  refuse(code: string, message: string): void {
    this.isDropped = true;
    this.replies.refuse(this.peer, code, message);
  }
}
