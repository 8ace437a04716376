/** What a hold needs of a peer: to be written to. */
export interface HoldTarget {
  deliver(frame: Buffer): boolean;
}

/** A place in a held peer's outbox for frames that are not ready yet: a replay being read, or the greeting's. */
export interface HoldSlot {
  /** The frames, once ready; `undefined` while pending. */
  frames: readonly Buffer[] | undefined;
}

interface Held {
  /** What waits, in the order it is to be written: frames, and slots for frames to come. */
  items: (Buffer | HoldSlot)[];
  bytes: number;
  /** The ids of the messages among the frames: a replay leaves them out, since they come live. */
  readonly ids: Set<string>;
}

/**
 * Holds back what is sent to a peer while a replay it asked for is not ready (a store still
 * reading, or a JSON client that has not said hello yet), so that the replay is still written
 * before every live message sent after it was asked for. A peer that is not held costs one
 * size check per delivery.
 *
 * @typeParam P - the peer type.
 */
export class ReplayHolds<P extends HoldTarget> {
  private readonly held = new Map<P, Held>();
  private readonly maxBytes: number;
  private readonly overflow: (peer: P) => void;

  /** `overflow` is told when a peer's held frames pass `maxBytes`; it should end the hold (fill its slots) or the peer. */
  constructor(maxBytes: number, overflow: (peer: P) => void) {
    this.maxBytes = maxBytes;
    this.overflow = overflow;
  }

  /** How many peers are held. */
  get size(): number {
    return this.held.size;
  }

  /** Whether `peer` has anything held. */
  has(peer: P): boolean {
    return this.held.has(peer);
  }

  /**
   * Queues `frame` (of the message `id`, if it is one) behind what `peer` waits for; returns
   * `false` (queuing nothing) when it is not held.
   */
  offer(peer: P, frame: Buffer, id?: string): boolean {
    const held = this.held.get(peer);
    if (held === undefined) return false;
    held.items.push(frame);
    held.bytes += frame.length;
    if (id !== undefined) held.ids.add(id);
    if (held.bytes > this.maxBytes) this.overflow(peer);
    return true;
  }

  /** Reserves a place in `peer`'s outbox for frames to come: at the end, or just before `before` if it is still there. */
  reserve(peer: P, before?: HoldSlot): HoldSlot {
    const slot: HoldSlot = { frames: undefined };
    let held = this.held.get(peer);
    if (held === undefined) {
      held = { items: [], bytes: 0, ids: new Set() };
      this.held.set(peer, held);
    }
    const at = before === undefined ? -1 : held.items.indexOf(before);
    if (at < 0) held.items.push(slot);
    else held.items.splice(at, 0, slot);
    return slot;
  }

  /** Whether the message `id` waits among `peer`'s held frames (and so is not to be replayed too). */
  holdsMessage(peer: P, id: string): boolean {
    return this.held.get(peer)?.ids.has(id) === true;
  }

  /** Fills a reserved place, then writes out everything that is ready in front. */
  fill(peer: P, slot: HoldSlot, frames: readonly Buffer[]): void {
    if (slot.frames !== undefined) return;
    slot.frames = frames;
    this.flush(peer);
  }

  /** Writes out what is ready at the front of `peer`'s outbox; forgets the peer once nothing is left. */
  private flush(peer: P): void {
    const held = this.held.get(peer);
    if (held === undefined) return;
    let index = 0;
    for (; index < held.items.length; index += 1) {
      const item = held.items[index];
      if (item === undefined) continue;
      if (!isSlot(item)) {
        held.bytes -= item.length;
        peer.deliver(item);
        continue;
      }
      if (item.frames === undefined) break;
      for (const frame of item.frames) peer.deliver(frame);
    }
    if (index >= held.items.length) this.held.delete(peer);
    else held.items = held.items.slice(index);
  }

  /** Drops what is held for a peer that is gone. */
  forget(peer: P): void {
    this.held.delete(peer);
  }
}

function isSlot(item: Buffer | HoldSlot): item is HoldSlot {
  return !Buffer.isBuffer(item);
}
