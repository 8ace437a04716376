import { parseJsonObject } from '../protocol/json-object.js';
import type { ClusterEvent } from './adapter.js';

/**
 * One frame on the broker's channel: who published it (`o`, the hub id), which run of that hub
 * (`r`, an epoch drawn at random by each adapter), its place in that run's stream (`s`, from 1),
 * and events of one event-loop turn of that hub, in order (`e`). The origin lets a hub skip its
 * own frames (no echo); the sequence lets it drop a frame seen twice and count frames it missed;
 * the epoch tells a hub restarted under the same id from a replay of old frames, since its
 * numbering starts again at 1. Batching a turn's events into one frame costs the broker one
 * message where a burst would cost hundreds; a turn too big for one broker message is split
 * into several frames.
 */
export interface ClusterFrame {
  readonly o: string;
  /** Missing in frames of hubs from before epochs: read as `''`. */
  readonly r?: string;
  readonly s: number;
  readonly e: readonly ClusterEvent[];
}

/** The frame as text for the broker. */
export function encodeFrame(origin: string, epoch: string, sequence: number, events: readonly ClusterEvent[]): string {
  return `${frameHead(origin, epoch, sequence)}${JSON.stringify(events)}}`;
}

/**
 * The frame made of events already encoded one by one (`JSON.stringify(event)` each), as the
 * adapter has them when it splits a turn: the same text `encodeFrame` gives for those events.
 */
export function encodeFrameOf(origin: string, epoch: string, sequence: number, encodedEvents: readonly string[]): string {
  return `${frameHead(origin, epoch, sequence)}[${encodedEvents.join(',')}]}`;
}

/**
 * Bytes (UTF-8) of a frame's text around its events, at most: the head with the longest
 * sequence number there can be, the brackets, and the closing brace.
 */
export function frameOverhead(origin: string, epoch: string): number {
  return Buffer.byteLength(frameHead(origin, epoch, Number.MAX_SAFE_INTEGER)) + 3;
}

/** How every frame `origin` publishes begins, so that a hub can skip its own without parsing them. */
export function framePrefix(origin: string): string {
  return `{"o":${JSON.stringify(origin)},`;
}

/** How every frame of run `epoch` of `origin` begins, up to its sequence number. */
export function runPrefix(origin: string, epoch: string): string {
  return `${framePrefix(origin)}"r":${JSON.stringify(epoch)},"s":`;
}

/**
 * The sequence number of a frame that begins with `runPrefix(...)`, which is `at` long: read
 * without parsing the rest, so that a hub can tell how far its own frames came back cheaply.
 */
export function sequenceAt(text: string, at: number): number {
  let sequence = 0;
  for (let index = at; index < text.length; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) break;
    sequence = sequence * 10 + digit;
  }
  return sequence;
}

function frameHead(origin: string, epoch: string, sequence: number): string {
  return `${runPrefix(origin, epoch)}${sequence},"e":`;
}

/**
 * Reads a frame, or returns `undefined` for anything that is not one: the channel is shared
 * with whatever else can reach the broker, so nothing on it is trusted to be well formed.
 */
export function decodeFrame(text: string): ClusterFrame | undefined {
  const frame = parseJsonObject(text) as Partial<ClusterFrame> | undefined;
  if (frame === undefined) return undefined;
  if (typeof frame.o !== 'string' || typeof frame.s !== 'number' || !Number.isSafeInteger(frame.s)) return undefined;
  if (frame.r !== undefined && typeof frame.r !== 'string') return undefined;
  const events: unknown = frame.e;
  if (!Array.isArray(events)) return undefined;
  for (const event of events as unknown[]) {
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') return undefined;
  }
  return frame as ClusterFrame;
}
