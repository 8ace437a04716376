const LF = 0x0a;

/** The fixed shape of one message frame of a protocol once the payload size is known. */
export interface FrameSpec {
  /** Whole frame, framing included. */
  readonly frameBytes: number;
  /** Where the payload starts inside the frame. */
  readonly payloadOffset: number;
  /** First byte of every frame, or -1 if it varies (lines start with the payload). Other bytes there start a control line. */
  readonly firstByte: number;
  /** Last byte of every frame. */
  readonly lastByte: number;
}

/**
 * Cuts a byte stream into fixed-size frames and hands out the payload offset of each,
 * without copying unless a frame straddles two chunks. Protocol lines that are not
 * messages (a NATS `PING`, say) go to `onControl`.
 */
export class FrameReader {
  private readonly carry: Buffer;
  private carried = 0;
  private controlPart: Buffer | undefined;
  /** Set once a boundary is lost: nothing after it can be trusted, so the rest is ignored. */
  private broken = false;

  constructor(
    private readonly spec: FrameSpec,
    private readonly onPayload: (source: Buffer, offset: number) => void,
    private readonly onControl: (line: string) => void,
    private readonly onProtocolError: (message: string) => void,
  ) {
    this.carry = Buffer.allocUnsafe(spec.frameBytes);
  }

  push(chunk: Buffer): void {
    if (this.broken) return;
    const size = this.spec.frameBytes;
    let offset = 0;
    if (this.controlPart !== undefined) {
      const newline = chunk.indexOf(LF);
      if (newline === -1) {
        this.controlPart = Buffer.concat([this.controlPart, chunk]);
        return;
      }
      const line = Buffer.concat([this.controlPart, chunk.subarray(0, newline + 1)]);
      this.controlPart = undefined;
      this.onControl(line.toString('latin1'));
      offset = newline + 1;
    } else if (this.carried > 0) {
      const missing = size - this.carried;
      if (chunk.length < missing) {
        chunk.copy(this.carry, this.carried);
        this.carried += chunk.length;
        return;
      }
      chunk.copy(this.carry, this.carried, 0, missing);
      this.carried = 0;
      offset = missing;
      if (!this.frame(this.carry, 0)) return;
    }
    const first = this.spec.firstByte;
    while (offset < chunk.length) {
      if (first !== -1 && chunk[offset] !== first) {
        const newline = chunk.indexOf(LF, offset);
        if (newline === -1) {
          this.controlPart = Buffer.from(chunk.subarray(offset));
          return;
        }
        this.onControl(chunk.toString('latin1', offset, newline + 1));
        offset = newline + 1;
        continue;
      }
      if (offset + size > chunk.length) {
        chunk.copy(this.carry, 0, offset);
        this.carried = chunk.length - offset;
        return;
      }
      if (!this.frame(chunk, offset)) return;
      offset += size;
    }
  }

  private frame(source: Buffer, offset: number): boolean {
    if (source[offset + this.spec.frameBytes - 1] !== this.spec.lastByte) {
      this.broken = true;
      this.onProtocolError(`frame boundary lost near ${JSON.stringify(source.toString('latin1', offset, offset + 40))}`);
      return false;
    }
    this.onPayload(source, offset + this.spec.payloadOffset);
    return true;
  }
}
