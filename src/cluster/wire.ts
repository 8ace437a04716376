import type { ClusterEvent } from '../adapter.js';

/**
 * One frame on the broker's channel: who published it (`o`, the hub id), its place in that
 * hub's stream (`s`, from 1), and the events of one event-loop turn of that hub, in order
 * (`e`). The origin lets a hub skip its own frames (no echo); the sequence lets it drop a
 * frame seen twice and count frames it missed. Batching a turn's events into one frame costs
 * the broker one message where a burst would cost hundreds.
 */
export interface ClusterFrame {
  readonly o: string;
  readonly s: number;
  readonly e: readonly ClusterEvent[];
}

/** The frame as text for the broker. */
export function encodeFrame(origin: string, sequence: number, events: readonly ClusterEvent[]): string {
  return JSON.stringify({ o: origin, s: sequence, e: events });
}

/** How every frame `origin` publishes begins, so that a hub can skip its own without parsing them. */
export function framePrefix(origin: string): string {
  return `{"o":${JSON.stringify(origin)},`;
}

/**
 * Reads a frame, or returns `undefined` for anything that is not one: the channel is shared
 * with whatever else can reach the broker, so nothing on it is trusted to be well formed.
 */
export function decodeFrame(text: string): ClusterFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const frame = value as Partial<ClusterFrame>;
  if (typeof frame.o !== 'string' || typeof frame.s !== 'number' || !Number.isSafeInteger(frame.s)) return undefined;
  const events: unknown = frame.e;
  if (!Array.isArray(events)) return undefined;
  for (const event of events as unknown[]) {
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') return undefined;
  }
  return frame as ClusterFrame;
}
