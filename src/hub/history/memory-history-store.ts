import {
  DEFAULT_HISTORY_BYTES,
  DEFAULT_HISTORY_MAX_AGE_MS,
  DEFAULT_HISTORY_MESSAGES,
  DEFAULT_HISTORY_TOTAL_BYTES,
  HISTORY_ENTRY_OVERHEAD_BYTES,
} from './history-options.js';
import { DIRECT_KEY_PREFIX, type HistoryPage, type HistoryQuery, type HistorySize, type HistoryStore, type StoredEvent } from '../../cluster/history-store.js';

/** Limits of a `MemoryHistoryStore`; each has the default of the hub's `history` option. */
export interface MemoryHistoryLimits {
  /** Events each stream keeps. Default 100. */
  readonly messages?: number;
  /** Bytes each stream keeps. Default 256 KiB. */
  readonly bytes?: number;
  /** Milliseconds an event is kept. Default 24 h. */
  readonly maxAge?: number;
  /** Bytes every stream together may hold; past it the oldest events of any stream go first. Default 64 MiB. */
  readonly totalBytes?: number;
}

/** One kept event. */
interface Entry {
  readonly key: string;
  readonly event: StoredEvent;
  readonly at: number;
  readonly bytes: number;
  /** Dropped from its stream; still in the hub-wide order until that is walked or compacted. */
  dropped: boolean;
}

/** One stream's events, oldest first, from `head`. */
interface Stream {
  entries: Entry[];
  head: number;
  bytes: number;
  /** Whether it has ever let an event go: an id not found was then dropped, rather than never here. */
  trimmed: boolean;
}

/**
 * The history in the hub's own memory: the default store, with nothing to set up. Events are
 * kept per stream in the order appended (the hub's delivery order), within the limits, and in
 * one hub-wide order as well, so that the oldest of all goes first when the total passes
 * `totalBytes` or an event passes `maxAge`. Each event is counted as the UTF-8 size of its text
 * plus its sender, room and id, plus `HISTORY_ENTRY_OVERHEAD_BYTES`.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly messages: number;
  private readonly streamBytes: number;
  private readonly maxAge: number;
  private readonly totalBytes: number;
  private readonly streams = new Map<string, Stream>();
  /** Every entry in the order appended, dropped ones included until they reach the front or are compacted away. */
  private order: Entry[] = [];
  private orderHead = 0;
  private droppedInOrder = 0;
  private kept = 0;
  private bytes = 0;

  constructor(limits: MemoryHistoryLimits = {}) {
    this.messages = limits.messages ?? DEFAULT_HISTORY_MESSAGES;
    this.streamBytes = limits.bytes ?? DEFAULT_HISTORY_BYTES;
    this.maxAge = limits.maxAge ?? DEFAULT_HISTORY_MAX_AGE_MS;
    this.totalBytes = limits.totalBytes ?? DEFAULT_HISTORY_TOTAL_BYTES;
  }

  append(key: string, event: StoredEvent): void {
    const now = Date.now();
    const entry: Entry = { key, event, at: now, bytes: sizeOf(event), dropped: false };
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = { entries: [], head: 0, bytes: 0, trimmed: false };
      this.streams.set(key, stream);
    }
    stream.entries.push(entry);
    stream.bytes += entry.bytes;
    this.order.push(entry);
    this.kept += 1;
    this.bytes += entry.bytes;
    while (stream.entries.length - stream.head > this.messages || stream.bytes > this.streamBytes) this.dropOldest(stream);
    this.expire(now);
    while (this.bytes > this.totalBytes && this.dropFirstInOrder()) {
      // the hub-wide budget: the oldest event of any stream goes first
    }
    this.compactOrder();
  }

  read(key: string, query: HistoryQuery): HistoryPage {
    this.expire(Date.now());
    const stream = this.streams.get(key);
    const entries = stream === undefined ? [] : stream.entries;
    const head = stream === undefined ? 0 : stream.head;
    if (query.after === undefined) {
      const from = Math.max(head, entries.length - Math.max(0, query.limit));
      return { events: entries.slice(from).map((entry) => entry.event) };
    }
    // From a stream that was empty: all of it, if it has kept all of it.
    if (query.after === '') return stream?.trimmed === true ? { missing: 'too-old' } : { events: entries.slice(head).map((entry) => entry.event) };
    // Newest first: a recovering client has usually missed only the last few.
    for (let index = entries.length - 1; index >= head; index -= 1) {
      if (entries[index]?.event.id === query.after) return { events: entries.slice(index + 1).map((entry) => entry.event) };
    }
    return { missing: stream?.trimmed === true ? 'too-old' : 'unknown' };
  }

  last(key: string): string {
    this.expire(Date.now());
    const stream = this.streams.get(key);
    return stream?.entries.at(-1)?.event.id ?? '';
  }

  delete(key: string): void {
    const stream = this.streams.get(key);
    if (stream === undefined) return;
    for (let index = stream.head; index < stream.entries.length; index += 1) {
      const entry = stream.entries[index];
      if (entry !== undefined) this.forget(entry);
    }
    this.streams.delete(key);
    this.compactOrder();
  }

  size(): HistorySize {
    let rooms = 0;
    for (const key of this.streams.keys()) if (!key.startsWith(DIRECT_KEY_PREFIX)) rooms += 1;
    return { streams: this.streams.size, rooms, messages: this.kept, bytes: this.bytes };
  }

  /** Drops every event older than `maxAge`: they are at the front of the hub-wide order. */
  private expire(now: number): void {
    const oldest = now - this.maxAge;
    while (this.orderHead < this.order.length) {
      const entry = this.order[this.orderHead];
      if (entry !== undefined && !entry.dropped && entry.at > oldest) break;
      // The front is dropped already (skipped) or too old (dropped now).
      this.dropFirstInOrder();
    }
  }

  /**
   * Takes the front of the hub-wide order off: a dropped entry is only skipped, and then it
   * returns `true` having dropped nothing; a kept one (the oldest of its stream too) is dropped.
   * Returns `false` when the order is empty.
   */
  private dropFirstInOrder(): boolean {
    while (this.orderHead < this.order.length) {
      const entry = this.order[this.orderHead];
      this.order[this.orderHead] = undefined as unknown as Entry;
      this.orderHead += 1;
      if (entry === undefined) continue;
      if (entry.dropped) {
        this.droppedInOrder -= 1;
        return true;
      }
      const stream = this.streams.get(entry.key);
      if (stream !== undefined) this.dropOldest(stream);
      // dropOldest counted it as dropped-in-order; it has just left the order itself.
      this.droppedInOrder -= 1;
      return true;
    }
    return false;
  }

  private dropOldest(stream: Stream): void {
    const entry = stream.entries[stream.head];
    if (entry === undefined) return;
    stream.entries[stream.head] = undefined as unknown as Entry;
    stream.head += 1;
    stream.bytes -= entry.bytes;
    stream.trimmed = true;
    this.forget(entry);
    if (stream.head === stream.entries.length) {
      this.streams.delete(entry.key);
    } else if (stream.head > 64 && stream.head * 2 > stream.entries.length) {
      stream.entries = stream.entries.slice(stream.head);
      stream.head = 0;
    }
  }

  private forget(entry: Entry): void {
    entry.dropped = true;
    this.droppedInOrder += 1;
    this.kept -= 1;
    this.bytes -= entry.bytes;
  }

  /** Keeps the hub-wide order from filling with dropped entries behind one long-lived event. */
  private compactOrder(): void {
    const live = this.order.length - this.orderHead;
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
    if (this.droppedInOrder > 1024 && this.droppedInOrder * 2 > live) {
      this.order = this.order.slice(this.orderHead).filter((entry) => !entry.dropped);
      this.orderHead = 0;
      this.droppedInOrder = 0;
    }
  }
}

function sizeOf(event: StoredEvent): number {
  const who = event.type === 'message' ? event.room : event.to;
  return Buffer.byteLength(event.text, 'utf8') + event.sender.length + who.length + event.id.length + HISTORY_ENTRY_OVERHEAD_BYTES;
}
