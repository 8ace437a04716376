import { assertRoomName } from '../protocol/names.js';

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
