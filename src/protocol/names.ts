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
