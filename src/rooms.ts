import { NameError } from './name-error.js';

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

/**
 * Which peers are in which room. A room exists while it has members (the default room
 * always exists), so the map never holds more rooms than there are memberships.
 *
 * @typeParam P - the member type (a `Peer`).
 */
export class RoomRegistry<P> {
  /** The room everyone starts in and falls back to. */
  readonly defaultRoom: string;
  private readonly members = new Map<string, Set<P>>();

  constructor(defaultRoom: string) {
    assertRoomName(defaultRoom);
    this.defaultRoom = defaultRoom;
    this.members.set(defaultRoom, new Set());
  }

  /** The members of `room`, live; empty for a room that does not exist. */
  membersOf(room: string): ReadonlySet<P> {
    return this.members.get(room) ?? EMPTY;
  }

  /** Every room with its members. */
  get all(): ReadonlyMap<string, ReadonlySet<P>> {
    return this.members;
  }

  /** Adds `member` to `room`; returns `false` if it was there already. */
  add(member: P, room: string): boolean {
    let set = this.members.get(room);
    if (set === undefined) {
      set = new Set();
      this.members.set(room, set);
    }
    if (set.has(member)) return false;
    set.add(member);
    return true;
  }

  /** Removes `member` from `room`; returns `false` if it was not there. Empty rooms go away. */
  remove(member: P, room: string): boolean {
    const set = this.members.get(room);
    if (set?.delete(member) !== true) return false;
    if (set.size === 0 && room !== this.defaultRoom) this.members.delete(room);
    return true;
  }
}

const EMPTY: ReadonlySet<never> = new Set<never>();
