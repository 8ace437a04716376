import { NameError } from '../protocol/name-error.js';
import { MAX_NICK_LENGTH, nickProblem, nickSkeleton, nickTakenError } from '../protocol/names.js';

/** Room a guest name keeps after its prefix: `-` and a count of up to seven digits. */
const GUEST_SUFFIX_LENGTH = 8;

/** Who holds a nickname, and the name as they spelled it. */
interface Holding<P> {
  readonly owner: P;
  readonly nick: string;
}

/**
 * The nicknames in use on one hub, plus the guest names handed out on connect. Names are
 * unique by their skeleton (`nickSkeleton`), not their spelling, so neither `Alice` nor
 * `aIice` (capital i) can pose as `alice`; finding a name goes by its skeleton too.
 *
 * @typeParam P - what holds a nickname (a `Peer`).
 */
export class NicknameRegistry<P> {
  private readonly holdings = new Map<string, Holding<P>>();
  private readonly guestPrefix: string;
  private guests = 0;

  constructor(guestPrefix = 'guest') {
    // Every guest name handed out must itself be a valid nickname, however high the count gets.
    const problem =
      guestPrefix.length > MAX_NICK_LENGTH - GUEST_SUFFIX_LENGTH
        ? `is longer than ${MAX_NICK_LENGTH - GUEST_SUFFIX_LENGTH} characters (a guest name adds '-' and a number)`
        : nickProblem(`${guestPrefix}-1`);
    if (problem !== undefined) throw new RangeError(`guestPrefix '${guestPrefix}' ${problem}`);
    this.guestPrefix = guestPrefix;
  }

  /** The holder of `nick` or of a name that looks like it (any case), if any. */
  find(nick: string): P | undefined {
    return this.holdings.get(nickSkeleton(nick))?.owner;
  }

  /** A free guest name such as `guest-7`, reserved for `owner`. */
  claimGuest(owner: P): string {
    let nick: string;
    do {
      this.guests += 1;
      nick = `${this.guestPrefix}-${this.guests}`;
    } while (this.holdings.has(nickSkeleton(nick)));
    this.holdings.set(nickSkeleton(nick), { owner, nick });
    return nick;
  }

  /**
   * Moves `owner` from `previous` to `nick`. Throws a `NameError` when `nick` is invalid, or
   * when someone else holds it or a name that looks like it; changing the case or the look of
   * one's own name (`alice` to `Alice` or `aIice`) is allowed.
   */
  rename(owner: P, previous: string, nick: string): void {
    const problem = nickProblem(nick);
    if (problem !== undefined) throw new NameError('ERR_INVALID_NAME', 'nickname', nick, problem);
    const key = nickSkeleton(nick);
    const holding = this.holdings.get(key);
    if (holding !== undefined && holding.owner !== owner) throw nickTakenError(nick, holding.nick);
    this.release(owner, previous);
    this.holdings.set(key, { owner, nick });
  }

  /** Frees `nick` if `owner` holds it. */
  release(owner: P, nick: string): void {
    const key = nickSkeleton(nick);
    if (this.holdings.get(key)?.owner === owner) this.holdings.delete(key);
  }
}
