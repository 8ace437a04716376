/**
 * Per-origin sequence numbers as they arrive: a frame whose number is not past the last one
 * from its origin is a duplicate (or from before a reordering) and is dropped; a jump counts
 * the frames in between as missed. A broker that delivers each frame once and in order (Redis
 * pub/sub, NATS core, per publishing connection) never trips it; it is the guarantee, not
 * the mechanism.
 */
export class SequenceFilter {
  private readonly last = new Map<string, number>();
  private missedFrames = 0;

  /** Frames known to be lost so far (gaps in some origin's numbering). */
  get missed(): number {
    return this.missedFrames;
  }

  /** Whether frame `sequence` of `origin` is new; records it if so. */
  accept(origin: string, sequence: number): boolean {
    const last = this.last.get(origin);
    if (last !== undefined) {
      if (sequence <= last) return false;
      this.missedFrames += sequence - last - 1;
    }
    this.last.set(origin, sequence);
    return true;
  }

  /** Forgets an origin (it closed or expired); a hub that comes back has a new id anyway. */
  forget(origin: string): void {
    this.last.delete(origin);
  }
}
