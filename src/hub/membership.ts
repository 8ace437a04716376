import { assertRoomName } from '../protocol/names.js';
import { NicknameRegistry } from './nicknames.js';
import type { Peer } from './peer.js';
import { RoomRegistry } from './rooms.js';

/** Most rooms one peer may be in at once. */
export const MAX_ROOMS_PER_PEER = 32;

/**
 * Who hears about membership changes: the hub, which reports them as events, to the other
 * hubs and (in chat mode) to the rooms.
 * @internal
 */
export interface MembershipHost<D> {
  /** `peer` joined `room` (not called for the default room a client starts in). */
  joined(peer: Peer<D>, room: string): void;
  /** `peer` is about to leave `room`: the last moment the room still includes it. `kick` says who removed it, and why. */
  leaving(peer: Peer<D>, room: string, kick?: KickDetail): void;
  /** `peer` left `room`. */
  left(peer: Peer<D>, room: string, kick?: KickDetail): void;
  /** `peer` is now called `peer.nick`. */
  renamed(peer: Peer<D>, previous: string): void;
}

/** Who removed a client from a room, and why (a kick, or a room ban). */
export interface KickDetail {
  readonly by: string;
  readonly reason: string;
}

/**
 * What moderation checks before a client joins a room or takes a name: each throws (a
 * `ModerationError`, `ERR_BANNED`) to refuse.
 * @internal
 */
export interface MembershipGuard<D> {
  checkJoin(peer: Peer<D>, room: string): void;
  checkNick(peer: Peer<D>, nick: string): void;
}

/**
 * The hub's clients and what they belong to: the set of clients, the rooms and who is in
 * each, and the nicknames. Keeps the rules of membership (names valid and unique, at most
 * `MAX_ROOMS_PER_PEER` rooms, never in no room) in one place; says what changed to its host.
 * @internal
 */
export class Membership<D> {
  /** The clients, live. */
  readonly peers = new Set<Peer<D>>();
  readonly rooms: RoomRegistry<Peer<D>>;
  readonly nicknames: NicknameRegistry<Peer<D>>;
  private readonly host: MembershipHost<D>;
  /** Moderation's checks (bans), once the hub has set them up. */
  guard: MembershipGuard<D> | undefined;

  constructor(host: MembershipHost<D>, defaultRoom: string, guestPrefix: string | undefined) {
    this.host = host;
    this.rooms = new RoomRegistry(defaultRoom);
    this.nicknames = new NicknameRegistry(guestPrefix);
  }

  /**
   * Makes a connection a client, under `nick` if given (throws a `NameError`, having changed
   * nothing, when it cannot be had), else a guest name, in the default room.
   */
  add(peer: Peer<D>, nick?: string): void {
    if (nick !== undefined) this.guard?.checkNick(peer, nick);
    if (nick !== undefined) this.nicknames.rename(peer, '', nick);
    peer.assignNick(nick ?? this.nicknames.claimGuest(peer));
    this.rooms.add(peer, this.rooms.defaultRoom);
    peer.enterRoom(this.rooms.defaultRoom);
    this.peers.add(peer);
  }

  /**
   * Takes a client that is gone out of its rooms and frees its name; returns whether it was a
   * client. Its `rooms` are left as they were, for whoever reports its departure.
   */
  remove(peer: Peer<D>): boolean {
    if (!this.peers.delete(peer)) return false;
    for (const room of peer.rooms) this.rooms.remove(peer, room);
    this.nicknames.release(peer, peer.nick);
    return true;
  }

  /** Joins `room` and makes it the one `peer` talks in. Throws a `NameError` or, past the room limit, a `RangeError`. */
  join(peer: Peer<D>, room: string): void {
    assertRoomName(room);
    if (!this.peers.has(peer)) return;
    if (peer.rooms.has(room)) {
      peer.enterRoom(room);
      return;
    }
    if (peer.rooms.size >= MAX_ROOMS_PER_PEER) throw new RangeError(`a client may be in at most ${MAX_ROOMS_PER_PEER} rooms`);
    this.guard?.checkJoin(peer, room);
    this.rooms.add(peer, room);
    peer.enterRoom(room);
    this.host.joined(peer, room);
  }

  /**
   * Leaves `room` (`kick`: removed by someone); a client that leaves its last room is back in
   * the default one. Returns whether it left.
   */
  leave(peer: Peer<D>, room: string, kick?: KickDetail): boolean {
    if (!peer.rooms.has(room) || !this.peers.has(peer)) return false;
    const defaultRoom = this.rooms.defaultRoom;
    if (room === defaultRoom && peer.rooms.size === 1) return false;
    this.exit(peer, room, kick);
    if (peer.rooms.size === 0) this.joinDefault(peer);
    return true;
  }

  /**
   * Removes `peer` from `room` even when it is its last (a kick from the default room): the
   * caller closes it next, since a client is never left in no room.
   */
  evict(peer: Peer<D>, room: string, kick: KickDetail): void {
    if (peer.rooms.has(room) && this.peers.has(peer)) this.exit(peer, room, kick);
  }

  private exit(peer: Peer<D>, room: string, kick: KickDetail | undefined): void {
    this.host.leaving(peer, room, kick);
    this.rooms.remove(peer, room);
    peer.exitRoom(room);
    this.host.left(peer, room, kick);
  }

  /** Back in the default room, whatever its bans: a client must be somewhere, and a hub ban is the tool to keep it out of all. */
  private joinDefault(peer: Peer<D>): void {
    const defaultRoom = this.rooms.defaultRoom;
    this.rooms.add(peer, defaultRoom);
    peer.enterRoom(defaultRoom);
    this.host.joined(peer, defaultRoom);
  }

  /** Renames `peer`; throws a `NameError` when `nick` is invalid or someone else's. */
  rename(peer: Peer<D>, nick: string): void {
    if (!this.peers.has(peer)) return;
    const previous = peer.nick;
    if (nick.toLowerCase() !== previous.toLowerCase()) this.guard?.checkNick(peer, nick);
    this.nicknames.rename(peer, previous, nick);
    peer.assignNick(nick);
    this.host.renamed(peer, previous);
  }
}
