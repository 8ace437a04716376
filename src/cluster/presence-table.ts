import { nickSkeleton } from '../protocol/names.js';
import type { PresenceEntry, RemotePeer } from './adapter.js';

interface HubPresence {
  lastSeen: number;
  /** By lower-cased nickname. */
  readonly peers: Map<string, { nick: string; rooms: Set<string> }>;
}

/**
 * Who is connected to the other hubs, kept from their presence events and replaced whole by a
 * snapshot when one was asked for (a hub that joins asks everyone; a hub that missed some of
 * another's frames asks it). A hub not heard from for the expiry time is dropped with all its peers.
 */
export class PresenceTable {
  private readonly hubs = new Map<string, HubPresence>();

  /** Records that `hub` was heard from at `now`. */
  touch(hub: string, now: number): void {
    this.hubOf(hub).lastSeen = now;
  }

  /** Records that every known hub was heard from at `now` (after a reconnect: they get a full timeout to speak again). */
  touchAll(now: number): void {
    for (const presence of this.hubs.values()) presence.lastSeen = now;
  }

  /** Replaces everything known about `hub` with a snapshot. */
  replace(hub: string, peers: readonly PresenceEntry[], now: number): void {
    const presence = this.hubOf(hub);
    presence.lastSeen = now;
    presence.peers.clear();
    for (const peer of peers) presence.peers.set(nickSkeleton(peer.nick), { nick: peer.nick, rooms: new Set(peer.rooms) });
  }

  /** `nick` connected to `hub`, in `room`. */
  add(hub: string, nick: string, rooms: readonly string[]): void {
    this.hubOf(hub).peers.set(nickSkeleton(nick), { nick, rooms: new Set(rooms) });
  }

  /** `nick` of `hub` is gone. */
  remove(hub: string, nick: string): void {
    this.hubs.get(hub)?.peers.delete(nickSkeleton(nick));
  }

  /** `nick` of `hub` joined (`inRoom`) or left `room`. */
  setRoom(hub: string, nick: string, room: string, inRoom: boolean): void {
    const peer = this.hubs.get(hub)?.peers.get(nickSkeleton(nick));
    if (peer === undefined) {
      if (inRoom) this.add(hub, nick, [room]);
      return;
    }
    if (inRoom) peer.rooms.add(room);
    else peer.rooms.delete(room);
  }

  /** `from` of `hub` is now called `nick`. */
  rename(hub: string, from: string, nick: string, rooms: readonly string[]): void {
    const peers = this.hubOf(hub).peers;
    const known = peers.get(nickSkeleton(from));
    peers.delete(nickSkeleton(from));
    peers.set(nickSkeleton(nick), { nick, rooms: known?.rooms ?? new Set(rooms) });
  }

  /** Drops `hub`; returns its peers, so that their departure can be announced. */
  drop(hub: string): RemotePeer[] {
    const presence = this.hubs.get(hub);
    if (presence === undefined) return [];
    this.hubs.delete(hub);
    return [...presence.peers.values()].map((peer) => ({ hub, nick: peer.nick, rooms: [...peer.rooms] }));
  }

  /** Hubs last heard from before `cutoff`. */
  silentSince(cutoff: number): string[] {
    const silent: string[] = [];
    for (const [hub, presence] of this.hubs) if (presence.lastSeen < cutoff) silent.push(hub);
    return silent;
  }

  /** The peer called `nick` (any case) on some hub. */
  find(nick: string): RemotePeer | undefined {
    const key = nickSkeleton(nick);
    for (const [hub, presence] of this.hubs) {
      const peer = presence.peers.get(key);
      if (peer !== undefined) return { hub, nick: peer.nick, rooms: [...peer.rooms] };
    }
    return undefined;
  }

  /** How many peers `hub` has as known here, and how many room memberships in all; `undefined` for a hub not known. */
  count(hub: string): { peers: number; memberships: number } | undefined {
    const presence = this.hubs.get(hub);
    if (presence === undefined) return undefined;
    let memberships = 0;
    for (const peer of presence.peers.values()) memberships += peer.rooms.size;
    return { peers: presence.peers.size, memberships };
  }

  /** Every known remote peer. */
  all(): RemotePeer[] {
    const peers: RemotePeer[] = [];
    for (const [hub, presence] of this.hubs) {
      for (const peer of presence.peers.values()) peers.push({ hub, nick: peer.nick, rooms: [...peer.rooms] });
    }
    return peers;
  }

  private hubOf(hub: string): HubPresence {
    let presence = this.hubs.get(hub);
    if (presence === undefined) {
      presence = { lastSeen: Date.now(), peers: new Map() };
      this.hubs.set(hub, presence);
    }
    return presence;
  }
}
