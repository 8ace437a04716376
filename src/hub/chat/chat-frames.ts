import { FrameCache } from '../../transport/frame-cache.js';
import type { Codec } from '../../protocol/codec.js';
import { isStructuredCodec } from '../../protocol/structured.js';
import type { ChatEvent } from '../../protocol/envelope.js';

/** What `ChatFrames` needs to render an event as text. */
export interface RenderOptions {
  /** The formatter's rendering (already made line-safe), or `undefined` to skip text peers. */
  readonly render: (event: ChatEvent) => string | undefined;
  /** Whether raw peers get join, leave, nick and welcome notices (rendered) too. */
  readonly rawNotices: boolean;
}

/**
 * One chat event, encoded at most once per codec and per rendering: the envelope for
 * structured codecs, the formatter's line for text codecs, the bare text for raw peers.
 * Each rendering is computed only if some receiver needs it.
 */
export class ChatFrames {
  private readonly event: ChatEvent;
  private readonly notice: boolean;
  private readonly options: RenderOptions;
  private envelopeFrames: FrameCache | undefined;
  private textFrames: FrameCache | null | undefined;
  private bareFrames: FrameCache | null | undefined;

  /** `notice` marks announcements (joins, welcomes) as opposed to messages and replies. */
  constructor(event: ChatEvent, notice: boolean, options: RenderOptions) {
    this.event = event;
    this.notice = notice;
    this.options = options;
  }

  /** The bytes for a peer speaking `codec`, or `undefined` when that peer is not to get this event. */
  frameFor(codec: Codec<unknown>): Buffer | undefined {
    if (isStructuredCodec(codec)) {
      this.envelopeFrames ??= new FrameCache(this.event);
      return this.envelopeFrames.frameFor(codec);
    }
    if (!codec.delimited) return this.bare()?.frameFor(codec);
    return this.text()?.frameFor(codec);
  }

  private text(): FrameCache | null {
    if (this.textFrames === undefined) {
      const line = this.options.render(this.event);
      this.textFrames = line === undefined ? null : new FrameCache(line);
    }
    return this.textFrames;
  }

  /** Raw peers get what was said byte for byte, and no notices unless asked. */
  private bare(): FrameCache | null {
    if (this.bareFrames === undefined) {
      const event = this.event;
      if (this.notice) {
        this.bareFrames = this.options.rawNotices ? this.text() : null;
      } else if (event.type === 'message' || event.type === 'direct' || event.type === 'system') {
        this.bareFrames = new FrameCache(event.text);
      } else if (event.type === 'error') {
        this.bareFrames = new FrameCache(event.message);
      } else {
        this.bareFrames = this.options.rawNotices ? this.text() : null;
      }
    }
    return this.bareFrames;
  }
}
