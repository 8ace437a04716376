/** Options for `TokenBucket`. */
export interface TokenBucketOptions {
  /** Tokens available at once (the burst). */
  burst: number;
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Clock in milliseconds, replaceable in tests. Default `performance.now`. */
  now?: () => number;
}

/**
 * A token bucket: `burst` messages at once, then `ratePerSecond` on average, in the spirit of
 * IRC's fakelag. Time is read lazily, so an idle bucket costs no timer.
 */
export class TokenBucket {
  private readonly burst: number;
  private readonly msPerToken: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.burst >= 1) || !(options.ratePerSecond > 0)) {
      throw new RangeError('a token bucket needs burst >= 1 and ratePerSecond > 0');
    }
    this.burst = options.burst;
    this.msPerToken = 1000 / options.ratePerSecond;
    this.now = options.now ?? (() => performance.now());
    this.tokens = options.burst;
    this.updatedAt = this.now();
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token will be available (0 if one is now). */
  waitTime(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.msPerToken);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.updatedAt;
    this.updatedAt = now;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + elapsed / this.msPerToken);
  }
}
