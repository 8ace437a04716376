import { NameError } from './name-error.js';

/** Longest nickname, in characters. */
export const MAX_NICK_LENGTH = 24;

/**
 * Nicknames are ASCII letters, digits, `_` and `-`, starting with a letter. ASCII only,
 * because look-alike Unicode letters would let one user pass for another.
 */
export const NICK_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,23}$/;

/** Why `nick` is not a valid nickname, or `undefined` when it is. */
export function nickProblem(nick: string): string | undefined {
  if (nick.length === 0) return 'is empty';
  if (nick.length > MAX_NICK_LENGTH) return `is longer than ${MAX_NICK_LENGTH} characters`;
  if (!NICK_PATTERN.test(nick)) return 'must start with a letter and hold only letters, digits, _ and -';
  return undefined;
}

/**
 * The key under which a nickname is unique: two names with the same skeleton look alike, and
 * only one of them may be in use. The rule, so that it can be checked by hand: lower-case the
 * name (case-folding, as RFC 8265's UsernameCaseMapped profile does), then apply the entries of
 * Unicode's confusables table (UTS #39) that map the nickname alphabet into itself: `0` reads
 * as `o`, `1` and `i` as `l` (`I`, capital i, is `l`'s look-alike, and after folding every
 * `i` is), and `m` as `rn`. So `alice`, `Alice`, `aIice`, `a1ice` and `ALICE` share the
 * skeleton `allce`, and `m0m` shares `rnorn` with `rnorn`. Other names never collide: `_` and
 * `-` stay distinct, as do letters the table does not pair.
 */
export function nickSkeleton(nick: string): string {
  return nick.toLowerCase().replace(LOOK_ALIKE, (char) => SKELETON_OF[char] ?? char);
}

const LOOK_ALIKE = /[01im]/g;
const SKELETON_OF: Readonly<Record<string, string>> = { '0': 'o', '1': 'l', i: 'l', m: 'rn' };

/**
 * The `ERR_NAME_TAKEN` error for `nick`, held by a peer called `holder`: `is already taken`
 * when the two differ only in case, otherwise that it looks like `holder`, so that the user
 * knows why a name nobody seems to have is refused.
 */
export function nickTakenError(nick: string, holder: string): NameError {
  const reason = holder.toLowerCase() === nick.toLowerCase() ? 'is already taken' : `looks too much like '${holder}', which is taken`;
  return new NameError('ERR_NAME_TAKEN', 'nickname', nick, reason);
}

/** The room every peer starts in, unless the hub's `defaultRoom` says otherwise. */
export const DEFAULT_ROOM = 'lobby';

/** Longest room name, in characters. */
export const MAX_ROOM_LENGTH = 32;

/** Room names are ASCII letters, digits, `_` and `-`, starting with a letter or digit. */
export const ROOM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** Why `room` is not a valid room name, or `undefined` when it is. */
export function roomProblem(room: string): string | undefined {
  if (room.length === 0) return 'is empty';
  if (room.length > MAX_ROOM_LENGTH) return `is longer than ${MAX_ROOM_LENGTH} characters`;
  if (!ROOM_PATTERN.test(room)) return 'must hold only letters, digits, _ and -';
  return undefined;
}

/** Throws a `NameError` unless `room` is a valid room name. */
export function assertRoomName(room: string): void {
  const problem = roomProblem(room);
  if (problem !== undefined) throw new NameError('ERR_INVALID_NAME', 'room', room, problem);
}
