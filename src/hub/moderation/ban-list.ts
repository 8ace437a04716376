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
    return entry;
  }

  /** Lifts the ban on `mask` (its normal form); returns it, or `undefined` when there was none. */
  remove(mask: string): BanEntry | undefined {
    const key = mask.toLowerCase();
    const found = this.stored.get(key);
    if (found === undefined) return undefined;
    this.stored.delete(key);
    return this.live(found) ? found.entry : undefined;
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
