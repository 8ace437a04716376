/** Anything that turns a message into the bytes to write: a codec, seen from the write path. */
export interface FrameEncoder {
  encode(message: unknown): Buffer;
}

/**
 * Encodes one message at most once per codec, so a broadcast shares the same bytes among
 * every receiver that speaks the same framing. Most hubs see a single codec, which is kept
 * outside the map.
 */
export class FrameCache {
  private readonly message: unknown;
  private firstCodec: FrameEncoder | undefined;
  private firstFrame: Buffer | undefined;
  private others: Map<FrameEncoder, Buffer> | undefined;

  constructor(message: unknown) {
    this.message = message;
  }

  /** The message framed by `codec`. */
  frameFor(codec: FrameEncoder): Buffer {
    if (codec === this.firstCodec && this.firstFrame !== undefined) return this.firstFrame;
    if (this.firstCodec === undefined) {
      this.firstCodec = codec;
      this.firstFrame = codec.encode(this.message);
      return this.firstFrame;
    }
    this.others ??= new Map();
    let frame = this.others.get(codec);
    if (frame === undefined) {
      frame = codec.encode(this.message);
      this.others.set(codec, frame);
    }
    return frame;
  }
}
