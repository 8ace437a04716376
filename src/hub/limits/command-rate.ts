import type { Peer } from '../peer.js';
import { TokenBucket } from './token-bucket.js';

/**
 * What command rate limiting needs from its hub.
 * @internal
 */
export interface CommandRateHost<D> {
  /** Tells a client its commands are being dropped (once per run of refusals). */
  warn(peer: Peer<D>, text: string): void;
}

/** One client's allowance, and whether it was told it ran out. */
interface Allowance {
  readonly bucket: TokenBucket;
  warned: boolean;
}

/**
 * Per-client rate of slash commands (and the JSON envelopes that stand for them): a command
 * costs the hub far more than its few bytes (`/who` in a large room, `/help`, a nick change
 * announced to every room), so a client gets `burst` at once and `rate` a second after that;
 * over it a command is dropped, and the client told so once until it slows down. Applies
 * whether or not flood control is on, and before it.
 * @internal
 */
export class CommandRate<D> {
  private readonly host: CommandRateHost<D>;
  private readonly burst: number;
  private readonly rate: number;
  private readonly allowances = new Map<Peer<D>, Allowance>();

  constructor(host: CommandRateHost<D>, limit: { readonly burst: number; readonly rate: number }) {
    this.host = host;
    this.burst = limit.burst;
    this.rate = limit.rate;
  }

  /** Whether `peer` may run one more command now. */
  admit(peer: Peer<D>): boolean {
    let allowance = this.allowances.get(peer);
    if (allowance === undefined) {
      allowance = { bucket: new TokenBucket({ burst: this.burst, ratePerSecond: this.rate }), warned: false };
      this.allowances.set(peer, allowance);
    }
    if (allowance.bucket.tryTake()) {
      allowance.warned = false;
      return true;
    }
    if (!allowance.warned) {
      allowance.warned = true;
      this.host.warn(peer, `too many commands: more than ${this.burst} at once, then ${this.rate} per second, are dropped`);
    }
    return false;
  }

  /** Forgets a client that is gone. */
  forget(peer: Peer<D>): void {
    this.allowances.delete(peer);
  }
}
