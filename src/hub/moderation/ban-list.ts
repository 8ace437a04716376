import type { BanKind, BanRule, BanSubject } from './ban-rule.js';
import { ModerationError } from './moderation-error.js';

/** One ban, as `hub.moderation.bans()` lists it. */
export interface BanEntry {
  /** What it matches, in its normal form: `alice!*@*`, `*!*@10.0.0.*`, `203.0.113.7`, `10.0.0.0/8`. */
  readonly mask: string;
  readonly kind: BanKind;
  /** The room it bans from; `undefined` for a ban from the whole hub. */
  readonly room: string | undefined;
  /** Why, as the banned client is told (may be `''`). */
  readonly reason: string;
  /** Who set it: an operator's nickname, or `server` for the application. */
  readonly by: string;
  /** When it was set, in ms since the epoch. */
  readonly setAt: number;
  /** When it ends, in ms since the epoch; `undefined` until it is lifted. */
  readonly expiresAt: number | undefined;
  /** In a cluster: the id of the hub it was set on, when that is another hub; `undefined` for this hub's own. */
  readonly origin?: string | undefined;
}

interface Stored {
  readonly rule: BanRule;
  readonly entry: BanEntry;
}

/**
 * The bans of one scope (the hub, or one room): at most `max`, each with its own expiry.
 * Expired bans are dropped as they are met, so no timer is needed and none is left running.
 * @internal
 */
export class BanList {
  private readonly max: number;
  private readonly now: () => number;
  private readonly stored = new Map<string, Stored>();
  /**
   * Masks lifted lately, and when (at most `max`, oldest forgotten first): in a cluster, a hub
   * that missed the unban may still hold the ban, and tell it to a hub that joins; the newer
   * of the two wins.
   */
  private readonly lifted = new Map<string, number>();

  constructor(max: number, now: () => number) {
    this.max = max;
    this.now = now;
  }

  /** Whether the list holds no ban (expired ones included): the door's one-field check when nobody is banned. */
  get isEmpty(): boolean {
    return this.stored.size === 0;
  }

  /** How many bans are in force. */
  get size(): number {
    this.prune();
    return this.stored.size;
  }

  /** Adds (or replaces, same mask) a ban; throws `ERR_TOO_MANY_BANS` when the list is full. */
  add(rule: BanRule, entry: BanEntry): BanEntry {
    const key = rule.mask.toLowerCase();
    if (!this.stored.has(key) && this.size >= this.max) throw new ModerationError('ERR_TOO_MANY_BANS', `the ban list is full (${this.max}): lift one first`);
    this.stored.set(key, { rule, entry });
    this.lifted.delete(key);
    return entry;
  }

  /** Lifts the ban on `mask` (its normal form), noting when (`at`); returns it, or `undefined` when there was none. */
  remove(mask: string, at = this.now()): BanEntry | undefined {
    const key = mask.toLowerCase();
    this.lifted.delete(key);
    this.lifted.set(key, Math.max(at, this.lifted.get(key) ?? 0));
    if (this.lifted.size > this.max) this.lifted.delete(this.lifted.keys().next().value ?? key);
    const found = this.stored.get(key);
    if (found === undefined) return undefined;
    this.stored.delete(key);
    return this.live(found) ? found.entry : undefined;
  }

  /** The ban in force on `mask` (its normal form), if any. */
  get(mask: string): BanEntry | undefined {
    const found = this.stored.get(mask.toLowerCase());
    return found !== undefined && this.live(found) ? found.entry : undefined;
  }

  /** When the ban on `mask` was last lifted, if it was lately. */
  liftedAt(mask: string): number | undefined {
    return this.lifted.get(mask.toLowerCase());
  }

  /** The masks lifted lately, and when. */
  liftedMasks(): [mask: string, at: number][] {
    return [...this.lifted];
  }

  /** The first ban in force that matches `subject`, if any. */
  find(subject: BanSubject): BanEntry | undefined {
    for (const stored of this.stored.values()) if (this.live(stored) && stored.rule.matches(subject)) return stored.entry;
    return undefined;
  }

  /** The first ban in force on every connection from `address`, if any. */
  findAddress(address: string): BanEntry | undefined {
    for (const stored of this.stored.values()) if (this.live(stored) && stored.rule.matchesAddress(address)) return stored.entry;
    return undefined;
  }

  /** Every ban in force, oldest first. */
  list(): BanEntry[] {
    this.prune();
    return [...this.stored.values()].map((stored) => stored.entry);
  }

  /** Whether `stored` is still in force; an expired one is dropped. */
  private live(stored: Stored): boolean {
    const expiresAt = stored.entry.expiresAt;
    if (expiresAt === undefined || expiresAt > this.now()) return true;
    this.stored.delete(stored.rule.mask.toLowerCase());
    return false;
  }

  private prune(): void {
    for (const stored of [...this.stored.values()]) this.live(stored);
  }
}
