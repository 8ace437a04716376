import type { HistoryStore } from '../../cluster/history-store.js';

/** Messages a room's history keeps by default (100). */
export const DEFAULT_HISTORY_MESSAGES = 100;
/** Bytes a room's history keeps by default (256 KiB). */
export const DEFAULT_HISTORY_BYTES = 256 * 1024;
/** How long a message stays in the history by default, in ms (24 h). */
export const DEFAULT_HISTORY_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Bytes the whole history of a hub may hold by default, every room and session together (64 MiB). */
export const DEFAULT_HISTORY_TOTAL_BYTES = 64 * 1024 * 1024;
/** How long after losing its connection a client may still recover what it missed, by default, in ms (2 min). */
export const DEFAULT_RECOVERY_WINDOW_MS = 2 * 60 * 1000;
/** Messages a text client is replayed when it joins a room, and `/history` shows, by default (10). */
export const DEFAULT_HISTORY_REPLAY = 10;
/**
 * Bytes each kept message is counted as beyond its text, sender, room and id (160): the
 * envelope object, its place in the queues and the strings' headers, as V8 lays them out.
 */
export const HISTORY_ENTRY_OVERHEAD_BYTES = 160;

/**
 * How much history a hub keeps, and for how long: `new BroadcastHub({ history: { ... } })`.
 * Every room keeps its last `messages`, within `bytes` and `maxAge`; the hub's whole history
 * (rooms and the direct messages of sessions) within `totalBytes`, the oldest going first.
 */
export interface HistoryOptions {
  /** Messages each room keeps (and each session's direct-message log). Default 100. */
  messages?: number;
  /** Bytes each room keeps (text, names and `HISTORY_ENTRY_OVERHEAD_BYTES` per message). Default 256 KiB. */
  bytes?: number;
  /** Milliseconds a message is kept. Default 24 h. */
  maxAge?: number;
  /** Bytes the hub's whole history may hold: past it, the oldest messages of any room go first. Default 64 MiB. */
  totalBytes?: number;
  /**
   * Milliseconds after losing its connection that a client may still recover exactly what it
   * missed (with its `session`). Default 2 min. `0`: no recovery, only replays.
   */
  recoveryWindow?: number;
  /**
   * Messages a text client (`line`, `auto` and `mixed` text peers) is replayed when it joins a
   * room, the default one on connecting included, marked `(history)`; also what `/history`
   * without a number shows. Default 10; `0` turns the replay on join off. JSON clients ask for
   * what they want instead.
   */
  replayOnJoin?: number;
  /**
   * Where to keep it. Default: a `MemoryHistoryStore` with the limits above. A store of your
   * own applies its own limits; `messages` still caps what one request may replay.
   */
  store?: HistoryStore;
}

/**
 * History options with every default filled in.
 * @internal
 */
export interface ResolvedHistory {
  readonly messages: number;
  readonly bytes: number;
  readonly maxAge: number;
  readonly totalBytes: number;
  readonly recoveryWindow: number;
  readonly replayOnJoin: number;
  readonly store: HistoryStore | undefined;
}

/**
 * Reads the hub's `history` option: `undefined` when the hub keeps none. Throws a `TypeError`
 * or `RangeError` naming the option that is wrong.
 * @internal
 */
export function resolveHistory(option: boolean | HistoryOptions | undefined): ResolvedHistory | undefined {
  if (option === undefined || option === false) return undefined;
  // JavaScript callers get no compile-time check.
  const value: unknown = option;
  if (value !== true && (typeof value !== 'object' || value === null)) throw new TypeError(`history must be true, false or an object, got ${String(value)}`);
  const given = option === true ? {} : option;
  const messages = whole('history.messages', given.messages ?? DEFAULT_HISTORY_MESSAGES, 1);
  const store = given.store;
  if (store !== undefined && (typeof store !== 'object' || typeof store.append !== 'function' || typeof store.read !== 'function')) {
    throw new TypeError('history.store must be a HistoryStore (append, read, delete, size)');
  }
  return {
    messages,
    bytes: positive('history.bytes', given.bytes ?? DEFAULT_HISTORY_BYTES),
    maxAge: positive('history.maxAge', given.maxAge ?? DEFAULT_HISTORY_MAX_AGE_MS),
    totalBytes: positive('history.totalBytes', given.totalBytes ?? DEFAULT_HISTORY_TOTAL_BYTES),
    recoveryWindow: whole('history.recoveryWindow', given.recoveryWindow ?? DEFAULT_RECOVERY_WINDOW_MS, 0),
    replayOnJoin: Math.min(messages, whole('history.replayOnJoin', given.replayOnJoin ?? DEFAULT_HISTORY_REPLAY, 0)),
    store,
  };
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

function whole(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}, got ${String(value)}`);
  return value;
}
