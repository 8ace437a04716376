/**
 * Message ids a client remembers per room (and for direct messages) to drop those a recovery
 * sends again: far more than a shared store's reorder window (64 events).
 */
export const SEEN_IDS_PER_ROOM = 1024;

/**
 * What a JSON client keeps to recover after a reconnection (docs/protocol-json.md, History and
 * recovery): the last message id seen in each room it is in and in its direct messages, where a
 * recovery starts, and the last `SEEN_IDS_PER_ROOM` ids of each, so that a message a recovery
 * sends again (a store that hubs share replays a reorder window) comes once. Plain data, no I/O:
 * `JsonChatClient` and the browser's `BrowserChatClient` share it, so both recover alike.
 */
export class RecoveryMarks {
  /** The id of the last message seen in each room: where a recovery starts. */
  private readonly lastSeen = new Map<string, string>();
  /** The id of the last direct message seen. */
  private lastDirect: string | undefined;
  /** The last ids seen per room; the key `undefined` holds the direct messages'. */
  private readonly seenIds = new Map<string | undefined, Set<string>>();

  /** Notes the message `id` of `room`; `false` when it was seen already (drop it). */
  firstInRoom(room: string, id: string): boolean {
    if (this.seenBefore(room, id)) return false;
    this.lastSeen.set(room, id);
    return true;
  }

  /** Notes the direct message `id`; `false` when it was seen already (drop it). */
  firstDirect(id: string): boolean {
    if (this.seenBefore(undefined, id)) return false;
    this.lastDirect = id;
    return true;
  }

  /** The client came into `room`, where the last message was `last` (a join's or welcome's): a recovery starts there until a message is seen. */
  cameIn(room: string, last: string | undefined): void {
    if (last !== undefined && !this.lastSeen.has(room)) this.lastSeen.set(room, last);
  }

  /** The client left `room`: what is said there while it is out is not its to recover. */
  left(room: string): void {
    this.lastSeen.delete(room);
    this.seenIds.delete(room);
  }

  /** Where a recovery of `room` starts (a `hello`'s or `join`'s `after`), if anywhere. */
  after(room: string): string | undefined {
    return this.lastSeen.get(room);
  }

  /** Where a recovery of the direct messages starts (a `hello`'s `afterDirect`), if anywhere. */
  get afterDirect(): string | undefined {
    return this.lastDirect;
  }

  /** Whether `id` was seen in `room` (`undefined`: direct messages) already; notes it if not, forgetting the oldest past the bound. */
  private seenBefore(room: string | undefined, id: string): boolean {
    let seen = this.seenIds.get(room);
    if (seen === undefined) {
      seen = new Set();
      this.seenIds.set(room, seen);
    } else if (seen.has(id)) {
      return true;
    }
    seen.add(id);
    if (seen.size > SEEN_IDS_PER_ROOM) {
      for (const oldest of seen) {
        seen.delete(oldest);
        break;
      }
    }
    return false;
  }
}
