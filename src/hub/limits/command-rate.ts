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

/** One client's allowances, and whether it was told it ran out. */
interface Allowance {
  readonly bucket: TokenBucket;
  /** The expensive commands' own, made on the first one. */
  expensive: TokenBucket | undefined;
  warned: boolean;
}

/**
 * Commands whose cost grows with the hub (an answer listing every room, every member, every
 * command or ban, a replay) or that every room hears (a nick change), and `/oper`, which costs
 * a password hash: each spends the expensive allowance as well as the shared one.
 */
export const EXPENSIVE_COMMANDS: ReadonlySet<string> = new Set(['who', 'rooms', 'names', 'list', 'help', 'history', 'bans', 'nick', 'oper', 'whois']);

/** The JSON envelopes that stand for expensive commands. */
const EXPENSIVE_ENVELOPES: ReadonlySet<string> = new Set(['nick', 'oper', 'bans']);

/** The name of the command a message is (`/who dev` is `who`; a JSON envelope its type), lower-cased; `''` when it is none. */
export function commandOf(message: unknown): string {
  if (typeof message === 'string') {
    const match = /^\/([A-Za-z][A-Za-z0-9_-]{0,31})(?:\s|$)/.exec(message);
    return match === null ? '' : (match[1] ?? '').toLowerCase();
  }
  if (typeof message === 'object' && message !== null && !(message instanceof Uint8Array)) {
    const type = (message as { type?: unknown }).type;
    return typeof type === 'string' && EXPENSIVE_ENVELOPES.has(type) ? type : '';
  }
  return '';
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
  private readonly expensive: { readonly burst: number; readonly rate: number };
  private readonly allowances = new Map<Peer<D>, Allowance>();

  constructor(host: CommandRateHost<D>, limit: { readonly burst: number; readonly rate: number; readonly expensive?: { readonly burst: number; readonly rate: number } | undefined }) {
    this.host = host;
    this.burst = limit.burst;
    this.rate = limit.rate;
    this.expensive = limit.expensive ?? { burst: Infinity, rate: 1 };
  }

  /**
   * Whether `peer` may run one more command now; `message` (the command) says whether it is an
   * expensive one (`EXPENSIVE_COMMANDS`), which must also find a token in its own allowance.
   */
  admit(peer: Peer<D>, message?: unknown): boolean {
    let allowance = this.allowances.get(peer);
    if (allowance === undefined) {
      allowance = { bucket: new TokenBucket({ burst: this.burst, ratePerSecond: this.rate }), expensive: undefined, warned: false };
      this.allowances.set(peer, allowance);
    }
    const costly = message !== undefined && this.expensive.burst !== Infinity && EXPENSIVE_COMMANDS.has(commandOf(message));
    if (costly) {
      allowance.expensive ??= new TokenBucket({ burst: this.expensive.burst, ratePerSecond: this.expensive.rate });
      if (!allowance.expensive.tryTake()) {
        this.refused(peer, allowance, `too many /${commandOf(message)}-like commands: more than ${this.expensive.burst} at once, then one every ${Number((1 / this.expensive.rate).toFixed(1))} s, are dropped`);
        return false;
      }
    }
    if (allowance.bucket.tryTake()) {
      allowance.warned = false;
      return true;
    }
    this.refused(peer, allowance, `too many commands: more than ${this.burst} at once, then ${this.rate} per second, are dropped`);
    return false;
  }

  /** Tells the client once per run of refusals. */
  private refused(peer: Peer<D>, allowance: Allowance, text: string): void {
    if (allowance.warned) return;
    allowance.warned = true;
    this.host.warn(peer, text);
  }

  /** Forgets a client that is gone. */
  forget(peer: Peer<D>): void {
    this.allowances.delete(peer);
  }
}
