import type { ChatEvent } from '../../protocol/envelope.js';
import type { Protocol, RenderContext } from '../../protocol/protocol.js';

/** What `ChatFrames` needs to render an event as text. */
export interface RenderOptions {
  /** The formatter's rendering (already made line-safe), or `undefined` to skip text peers. */
  readonly render: (event: ChatEvent) => string | undefined;
  /** Whether raw peers get join, leave, nick and welcome notices (rendered) too. */
  readonly rawNotices: boolean;
}

/**
 * One chat event, rendered at most once per protocol: each receiver's protocol decides what
 * the event looks like on its wire (an envelope, the formatter's line, the bare text), and
 * every receiver of the same protocol shares those bytes (a protocol object that stands for
 * one connection renders for each, sharing what it can itself). The formatter's line is
 * computed at most once, and only if some protocol asks for it.
 */
export class ChatFrames implements RenderContext {
  readonly notice: boolean;
  private readonly event: ChatEvent;
  private readonly options: RenderOptions;
  private line: string | null | undefined;
  // Most events reach one protocol only: it is kept outside the map.
  private firstProtocol: Protocol<unknown> | undefined;
  private firstFrame: Buffer | undefined;
  private others: Map<Protocol<unknown>, Buffer | undefined> | undefined;

  /** `notice` marks announcements (joins, welcomes) as opposed to messages and replies. */
  constructor(event: ChatEvent, notice: boolean, options: RenderOptions) {
    this.event = event;
    this.notice = notice;
    this.options = options;
  }

  get rawNotices(): boolean {
    return this.options.rawNotices;
  }

  /** The id of the message (or direct message) rendered, for a history to tell it apart. */
  get messageId(): string | undefined {
    return this.event.type === 'message' || this.event.type === 'direct' ? this.event.id : undefined;
  }

  /** The event as one line of text, rendered on first use. */
  text(): string | undefined {
    if (this.line === undefined) this.line = this.options.render(this.event) ?? null;
    return this.line ?? undefined;
  }

  /**
   * The bytes for a peer speaking `protocol`, or `undefined` when that peer is not to get this
   * event. Asked at most once per receiver: a protocol object made per connection renders on
   * each call, and may note what it rendered (an IRC session, its QUIT shown).
   */
  frameFor(protocol: Protocol<unknown>): Buffer | undefined {
    if (protocol === this.firstProtocol) return this.firstFrame;
    // A frame kept per connection would be a frame per receiver, and a map entry each.
    if (protocol.perConnection === true) return protocol.render(this.event, this);
    if (this.firstProtocol === undefined) {
      this.firstProtocol = protocol;
      this.firstFrame = protocol.render(this.event, this);
      return this.firstFrame;
    }
    this.others ??= new Map();
    if (this.others.has(protocol)) return this.others.get(protocol);
    const frame = protocol.render(this.event, this);
    this.others.set(protocol, frame);
    return frame;
  }
}
