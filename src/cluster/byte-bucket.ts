/**
 * A token bucket over bytes: `burstBytes` at once, then `bytesPerSecond` on average. A frame
 * may go whenever some budget is left and takes what it costs, going into debt by at most one
 * frame, so a frame bigger than what is left is never stuck. Time is read lazily: an idle
 * bucket costs no timer.
 */
export class ByteBucket {
  private readonly burst: number;
  private readonly perMs: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedAt: number;

  constructor(bytesPerSecond: number, burstBytes: number, now: () => number = () => performance.now()) {
    this.burst = burstBytes;
    this.perMs = bytesPerSecond / 1000;
    this.now = now;
    this.tokens = burstBytes;
    this.updatedAt = now();
  }

  /** Whether a frame may go now. */
  get open(): boolean {
    this.refill();
    return this.tokens > 0;
  }

  /** Spends `bytes` (a frame that went). */
  take(bytes: number): void {
    this.tokens -= bytes;
  }

  /** Milliseconds until the bucket is open again (0 if it is). */
  waitMs(): number {
    this.refill();
    return this.tokens > 0 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.updatedAt;
    this.updatedAt = now;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perMs);
  }
}
