const LF = 0x0a;

/**
 * Splits a TCP byte stream into newline-terminated frames for the baseline relays, without
 * decoding: each frame handed out includes its `\n`, and shares memory with the chunk when
 * it lies within one.
 */
export class LineSplitter {
  private rest: Buffer | undefined;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.rest !== undefined) {
      data = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    let start = 0;
    let newline = data.indexOf(LF, start);
    while (newline !== -1) {
      this.onFrame(data.subarray(start, newline + 1));
      start = newline + 1;
      newline = data.indexOf(LF, start);
    }
    // Copy the tail so it does not pin the whole chunk.
    if (start < data.length) this.rest = Buffer.from(data.subarray(start));
  }
}
