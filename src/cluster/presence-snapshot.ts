import { nickSkeleton } from '../protocol/names.js';
import type { ClusterEvent, PresenceEntry } from './adapter.js';

type PresenceEvent = Extract<ClusterEvent, { type: 'presence' }>;

/** Bytes of a part's JSON around its peers, at most: `{"type":"presence","peers":[],"part":N,"more":true}`. */
const PART_OVERHEAD = 64;

/**
 * A hub's presence as `presence` events of at most `maxBytes` of JSON each: one event when it
 * fits (a thousand peers in 31 long-named rooms is over a megabyte, more than one broker message
 * takes), else parts numbered from 0, all but the last marked `more`. A peer in too many rooms
 * for one part is split across parts by rooms; the receiver joins them again by nickname.
 */
export function presenceEvents(entries: readonly PresenceEntry[], maxBytes: number): PresenceEvent[] {
  const whole: PresenceEvent = { type: 'presence', peers: entries };
  if (Buffer.byteLength(JSON.stringify(whole)) <= maxBytes) return [whole];
  const budget = Math.max(1, maxBytes - PART_OVERHEAD);
  const parts: PresenceEntry[][] = [];
  let part: PresenceEntry[] = [];
  let bytes = 0;
  const add = (entry: PresenceEntry, size: number): void => {
    if (part.length > 0 && bytes + 1 + size > budget) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    bytes += (part.length > 0 ? 1 : 0) + size;
    part.push(entry);
  };
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry));
    if (size <= budget) add(entry, size);
    else for (const piece of byRooms(entry, budget)) add(piece, Buffer.byteLength(JSON.stringify(piece)));
  }
  if (part.length > 0) parts.push(part);
  return parts.map((peers, index) => (index < parts.length - 1 ? { type: 'presence', peers, part: index, more: true } : { type: 'presence', peers, part: index }));
}

/** One peer's entry cut into entries of the same nickname, each with as many of its rooms as fit in `budget` bytes (at least one). */
function byRooms(entry: PresenceEntry, budget: number): PresenceEntry[] {
  const pieces: PresenceEntry[] = [];
  let rooms: string[] = [];
  const empty = Buffer.byteLength(JSON.stringify({ nick: entry.nick, rooms: [] }));
  let bytes = empty;
  for (const name of entry.rooms) {
    const size = Buffer.byteLength(JSON.stringify(name));
    if (rooms.length > 0 && bytes + 1 + size > budget) {
      pieces.push({ nick: entry.nick, rooms });
      rooms = [];
      bytes = empty;
    }
    bytes += (rooms.length > 0 ? 1 : 0) + size;
    rooms.push(name);
  }
  pieces.push({ nick: entry.nick, rooms });
  return pieces;
}

/** A snapshot being received: the parts so far, joined by nickname. */
interface Pending {
  next: number;
  readonly peers: Map<string, { nick: string; rooms: Set<string> }>;
}

/**
 * Puts the parts of other hubs' presence snapshots back together. A hub publishes a snapshot's
 * parts one after the other, so they arrive together and in order; a part out of place means
 * one was lost, and the snapshot is given up (the receiver asks for another).
 */
export class SnapshotAssembler {
  private readonly pending = new Map<string, Pending>();

  /**
   * Takes a `presence` event of `hub`: the whole snapshot once it is complete, `'broken'` when
   * a part is missing, `undefined` while more parts are to come.
   */
  add(hub: string, event: PresenceEvent): PresenceEntry[] | 'broken' | undefined {
    if (event.part === undefined) {
      this.pending.delete(hub);
      return [...event.peers];
    }
    let pending = this.pending.get(hub);
    if (event.part === 0) {
      pending = { next: 0, peers: new Map() };
      this.pending.set(hub, pending);
    }
    if (pending?.next !== event.part) {
      this.pending.delete(hub);
      return 'broken';
    }
    pending.next += 1;
    for (const peer of event.peers) {
      const key = nickSkeleton(peer.nick);
      const known = pending.peers.get(key);
      if (known === undefined) pending.peers.set(key, { nick: peer.nick, rooms: new Set(peer.rooms) });
      else for (const room of peer.rooms) known.rooms.add(room);
    }
    if (event.more === true) return undefined;
    this.pending.delete(hub);
    return [...pending.peers.values()].map((peer) => ({ nick: peer.nick, rooms: [...peer.rooms] }));
  }

  /** Gives up what `hub` was sending (it restarted, closed or expired). */
  forget(hub: string): void {
    this.pending.delete(hub);
  }
}
