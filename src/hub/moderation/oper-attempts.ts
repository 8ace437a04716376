import { TokenBucket } from '../limits/token-bucket.js';

/** Most addresses whose attempts are remembered: past it, the oldest is forgotten. */
const MAX_TRACKED = 4096;

/**
 * How often operator passwords may be tried, per address: `burst` at once, then one every
 * `1 / rate` seconds. scrypt makes each guess cost the hub tens of milliseconds of CPU, so
 * guessing is slowed down for the attacker and bounded for the hub alike.
 * @internal
 */
export class OperAttempts {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly burst: number;
  private readonly rate: number;

  constructor(limit: { readonly burst: number; readonly rate: number }) {
    this.burst = limit.burst;
    this.rate = limit.rate;
  }

  /** Whether `address` may try a password now (counts the try). */
  admit(address: string): boolean {
    let bucket = this.buckets.get(address);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = new TokenBucket({ burst: this.burst, ratePerSecond: this.rate });
      this.buckets.set(address, bucket);
    }
    return bucket.tryTake();
  }
}
