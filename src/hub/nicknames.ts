import { NameError } from '../protocol/name-error.js';
import { MAX_NICK_LENGTH, nickProblem } from '../protocol/names.js';

/** Room a guest name keeps after its prefix: `-` and a count of up to seven digits. */
const GUEST_SUFFIX_LENGTH = 8;

/**
 * The nicknames in use on one hub, unique regardless of case (so `Alice` cannot pose as
 * `alice`), plus the guest names handed out on connect.
 *
 * @typeParam P - what holds a nickname (a `Peer`).
 */
export class NicknameRegistry<P> {
  private readonly owners = new Map<string, P>();
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

  /** The holder of `nick` (any case), if any. */
  find(nick: string): P | undefined {
    return this.owners.get(nick.toLowerCase());
  }

  /** A free guest name such as `guest-7`, reserved for `owner`. */
  claimGuest(owner: P): string {
    let nick: string;
    do {
      this.guests += 1;
      nick = `${this.guestPrefix}-${this.guests}`;
    } while (this.owners.has(nick.toLowerCase()));
    this.owners.set(nick.toLowerCase(), owner);
    return nick;
  }

  /**
   * Moves `owner` from `previous` to `nick`. Throws a `NameError` when `nick` is invalid or
   * held by someone else; a change of case of one's own name is allowed.
   */
  rename(owner: P, previous: string, nick: string): void {
    const problem = nickProblem(nick);
    if (problem !== undefined) throw new NameError('ERR_INVALID_NAME', 'nickname', nick, problem);
    const holder = this.owners.get(nick.toLowerCase());
    if (holder !== undefined && holder !== owner) throw new NameError('ERR_NAME_TAKEN', 'nickname', nick, 'is already taken');
    this.release(owner, previous);
    this.owners.set(nick.toLowerCase(), owner);
  }

  /** Frees `nick` if `owner` holds it. */
  release(owner: P, nick: string): void {
    const key = nick.toLowerCase();
    if (this.owners.get(key) === owner) this.owners.delete(key);
  }
}
