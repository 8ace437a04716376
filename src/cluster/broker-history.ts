/**
 * What the broker history stores (`RedisHistoryStore`, `NatsHistoryStore`) share: their
 * limits, how a stream key becomes a broker name, how a recovery is answered from a stream
 * read in the broker's order, and the bounded bookkeeping around background writes.
 */
import { createHash } from 'node:crypto';
import { parseJsonObject } from '../protocol/json-object.js';
import type { HistoryPage, HistoryQuery, StoredEvent } from './history-store.js';

/** Default milliseconds of the reorder window a recovery reads back before the client's last id (2 s). */
export const DEFAULT_REORDER_WINDOW_MS = 2000;
/** Default most events a recovery reads back before the client's last id (64). */
export const DEFAULT_REORDER_EVENTS = 64;
/** Default most writes on their way to the broker; past it, events are kept locally only and the drop reported (10,000). */
export const DEFAULT_MAX_PENDING_WRITES = 10_000;
/** Default milliseconds a read may take before it counts as failed (2 s). */
export const DEFAULT_HISTORY_READ_TIMEOUT_MS = 2000;
/** Streams whose last id a broker store remembers (4,096). */
export const LAST_ID_CACHE_SIZE = 4096;

/** Limits of a broker history store; the hub's `history` option gives them when the adapter makes the store. */
export interface BrokerHistoryLimits {
  /** Events each stream keeps (Redis trims approximately, a little above it). Default 100. */
  readonly messages?: number;
  /** Milliseconds an event is kept. Default 24 h. */
  readonly maxAge?: number;
  /** Bytes the whole history may take in the broker (NATS: the stream's `max_bytes`; Redis: not enforced, see `messages`). Default 64 MiB. */
  readonly totalBytes?: number;
}

/** Options of a broker history store beyond its limits. */
export interface BrokerHistoryOptions extends BrokerHistoryLimits {
  /**
   * Milliseconds before the client's last id that a recovery also returns (events of other
   * hubs that the stream has before it, but the client's hub delivered after it). Default 2000.
   */
  readonly reorderWindow?: number;
  /** Most events of that window. Default 64. */
  readonly reorderEvents?: number;
  /** Most writes on their way to the broker at once. Default 10,000. */
  readonly maxPendingWrites?: number;
  /** Milliseconds a read may take. Default 2000. */
  readonly readTimeout?: number;
  /** Told of trouble with the broker (the hub reports it as an `adapterError`). */
  readonly onError?: (error: Error) => void;
}

/** The options with every default filled in. */
export interface ResolvedBrokerHistory {
  readonly messages: number;
  readonly maxAge: number;
  readonly totalBytes: number;
  readonly reorderWindow: number;
  readonly reorderEvents: number;
  readonly maxPendingWrites: number;
  readonly readTimeout: number;
  readonly onError: (error: Error) => void;
}

/** Fills in the defaults of a broker store's options. */
export function resolveBrokerHistory(options: BrokerHistoryOptions): ResolvedBrokerHistory {
  return {
    messages: options.messages ?? 100,
    maxAge: options.maxAge ?? 24 * 60 * 60 * 1000,
    totalBytes: options.totalBytes ?? 64 * 1024 * 1024,
    reorderWindow: options.reorderWindow ?? DEFAULT_REORDER_WINDOW_MS,
    reorderEvents: options.reorderEvents ?? DEFAULT_REORDER_EVENTS,
    maxPendingWrites: options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES,
    readTimeout: options.readTimeout ?? DEFAULT_HISTORY_READ_TIMEOUT_MS,
    onError: options.onError ?? (() => undefined),
  };
}

/**
 * A stream key (a room's name, any string, or a direct-message log) as one token of letters,
 * digits, `-` and `_`: `k` and the UTF-8 bytes in base64url (the `k` keeps even an empty key a
 * token). Valid in a NATS subject and in a Redis key, and no two keys share one.
 */
export function encodeHistoryKey(key: string): string {
  return `k${Buffer.from(key, 'utf8').toString('base64url')}`;
}

/**
 * Answers `query` from a stream's events, oldest first, as the broker keeps them (events older
 * than `maxAge` already left out). A recovery returns what follows the id, plus the events of
 * the reorder window before it: at most `reorderEvents`, sent at most `reorderWindow` ms
 * before it. The id counts only among the last `messages` events. An id not found is
 * `too-old` when the stream has events (it has left them, or
 * never got there), `unknown` when it has none.
 */
export function answerFromStream(events: readonly StoredEvent[], query: HistoryQuery, limits: Pick<ResolvedBrokerHistory, 'reorderWindow' | 'reorderEvents' | 'messages'>): HistoryPage {
  if (query.after === undefined) return { events: events.slice(Math.max(0, events.length - Math.max(0, query.limit))) };
  // From a stream that was empty: all of it, unless it is full (and may have let some go).
  if (query.after === '') return events.length >= limits.messages ? { missing: 'too-old' } : { events };
  // Only the last `messages` count (a store may keep a few more, as Redis's approximate trim does).
  const first = Math.max(0, events.length - limits.messages);
  for (let index = events.length - 1; index >= first; index -= 1) {
    const found = events[index];
    if (found?.id !== query.after) continue;
    let from = index;
    while (from > 0 && index - from < limits.reorderEvents && (events[from - 1]?.ts ?? 0) >= found.ts - limits.reorderWindow) from -= 1;
    return { events: events.slice(from) };
  }
  return { missing: events.length === 0 ? 'unknown' : 'too-old' };
}

/** The last id appended or seen per stream, for `HistoryStore.last`: the newest `LAST_ID_CACHE_SIZE` streams. */
export class LastIds {
  private readonly ids = new Map<string, string>();
  /** Streams whose last id is being asked of the broker now. */
  private readonly fetching = new Set<string>();

  /** The last id of `key`, if known. */
  get(key: string): string | undefined {
    return this.ids.get(key);
  }

  /**
   * The last id of `key` if known; if not, `fetch` asks the broker (once, not again while it
   * runs) and its answer is kept for the next one who comes in, unless an append came first.
   */
  getOrFetch(key: string, fetch: () => Promise<string>): string | undefined {
    const known = this.ids.get(key);
    if (known !== undefined || this.fetching.has(key)) return known;
    this.fetching.add(key);
    void fetch()
      .then((id) => {
        if (this.ids.get(key) === undefined) this.set(key, id);
      })
      .catch(() => undefined)
      .finally(() => this.fetching.delete(key));
    return undefined;
  }

  /** `id` is the newest of `key` now. */
  set(key: string, id: string): void {
    this.ids.delete(key);
    this.ids.set(key, id);
    if (this.ids.size > LAST_ID_CACHE_SIZE) {
      const oldest = this.ids.keys().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  /** The streams known, and the rooms among them (keys not starting with `directPrefix`). */
  count(directPrefix: string): { streams: number; rooms: number } {
    let rooms = 0;
    for (const key of this.ids.keys()) if (!key.startsWith(directPrefix)) rooms += 1;
    return { streams: this.ids.size, rooms };
  }

  /** Forgets `key` (deleted), or every key. */
  clear(key?: string): void {
    if (key === undefined) this.ids.clear();
    else this.ids.delete(key);
  }
}

/**
 * How a session token is named in the broker: its SHA-256 in base64url, so that whoever reads
 * the broker learns where a session's log is, never the token that recovers it.
 */
export function sessionName(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A time per stream (the newest `LAST_ID_CACHE_SIZE` streams). */
export class LastTimes {
  private readonly times = new Map<string, number>();

  /** The time noted for `key`, if any. */
  get(key: string): number | undefined {
    return this.times.get(key);
  }

  /** Notes `time` for `key`. */
  set(key: string, time: number): void {
    this.times.delete(key);
    this.times.set(key, time);
    if (this.times.size > LAST_ID_CACHE_SIZE) {
      const oldest = this.times.keys().next().value;
      if (oldest !== undefined) this.times.delete(oldest);
    }
  }
}

/** Rejects with a timeout error when `promise` takes longer than `ms`; the timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${what} took longer than ${ms} ms`));
    }, ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Parses a stored event; `undefined` for anything that is not one (another program's entry). */
export function parseStoredEvent(text: string): StoredEvent | undefined {
  const event = parseJsonObject(text) as Partial<StoredEvent> | undefined;
  if (event === undefined) return undefined;
  if ((event.type !== 'message' && event.type !== 'direct') || typeof event.id !== 'string' || typeof event.ts !== 'number' || typeof event.text !== 'string') return undefined;
  return event as StoredEvent;
}

/** Counts writes in flight and reports their failures once per outage. */
export class PendingWrites {
  private pending = 0;
  private failing = false;
  private dropped = 0;
  private readonly max: number;
  private readonly report: (error: Error) => void;

  constructor(max: number, report: (error: Error) => void) {
    this.max = max;
    this.report = report;
  }

  /** Events not written to the broker (the queue was full, or the write failed). */
  get lost(): number {
    return this.dropped;
  }

  /** Whether one more write may start; when not, the event is counted lost (and reported once). */
  admit(): boolean {
    if (this.pending < this.max) return true;
    this.dropped += 1;
    this.fail(new Error(`history: ${this.max} writes already pending; events are kept locally only`));
    return false;
  }

  /** Follows one write to its end. */
  track(write: Promise<unknown>): void {
    this.pending += 1;
    write.then(
      () => {
        this.pending -= 1;
        this.failing = false;
      },
      (error: unknown) => {
        this.pending -= 1;
        this.dropped += 1;
        this.fail(new Error(`history write failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      },
    );
  }

  /** Resolves once nothing is pending, or after `ms`. */
  async settle(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.pending > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private fail(error: Error): void {
    if (this.failing) return;
    this.failing = true;
    this.report(error);
  }
}
