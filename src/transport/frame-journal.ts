const EMPTY = Buffer.alloc(0);

/**
 * Largest run of frames joined into one buffer. Below it, joining saves a write per frame and
 * costs little memory even when every receiver's run differs; above it, receivers share the
 * frames themselves and the socket takes them in one vectored write.
 */
export const MAX_JOINED_BYTES = 16 * 1024;

/** Frames at least this large on average are shared as they are rather than joined, once a run passes `MAX_JOINED_BYTES`. */
export const MIN_SHARED_FRAME_BYTES = 4 * 1024;

/** Largest number of frames one tick's journal addresses (keys of joined runs pack two indices). */
const RUN_KEY_BASE = 2 ** 24;

/**
 * The frames queued anywhere during one event-loop turn, in the order they were first
 * queued. A broadcast queues the same frame for every receiver one after the other, so each
 * receiver's frames form runs of consecutive entries here, and receivers that got the same
 * run share one joined buffer instead of each copying the frames into its own.
 */
export class FrameJournal {
  private readonly frames: Buffer[] = [];
  /** `ends[i]`: bytes of frames 0..i. */
  private readonly ends: number[] = [];
  private readonly joined = new Map<number, Buffer>();

  /** The index of `frame`: the last entry when a broadcast is queueing it for one receiver after another, else a new one. */
  indexOf(frame: Buffer): number {
    const last = this.frames.length - 1;
    if (last >= 0 && this.frames[last] === frame) return last;
    if (last + 1 >= RUN_KEY_BASE) throw new RangeError('too many frames queued in one event-loop turn');
    this.frames.push(frame);
    this.ends.push((this.ends[last] ?? 0) + frame.length);
    return last + 1;
  }

  /**
   * Frames `start` up to (not including) `end`, appended to `parts` as what to write: small
   * runs, and runs of small frames, as one buffer joined once per turn however many receivers
   * need it (a fan-out of small messages then costs one write per receiver); runs past
   * `MAX_JOINED_BYTES` of large frames (`MIN_SHARED_FRAME_BYTES` on average) as the frames
   * themselves, which every receiver shares. Joining large runs would copy them once
   * per distinct run, and when every receiver misses a different frame (its own, in a room
   * where all speak at once) that is one copy per receiver: memory multiplied by the room.
   */
  appendParts(start: number, end: number, parts: Buffer[]): void {
    if (end - start === 1) {
      parts.push(this.frames[start] ?? EMPTY);
      return;
    }
    const bytes = (this.ends[end - 1] ?? 0) - (this.ends[start - 1] ?? 0);
    // Many small frames are joined whatever their total: a write per frame would cost far more
    // than the copy, and the turn's input budget bounds what the copies can add up to.
    if (bytes > MAX_JOINED_BYTES && bytes >= (end - start) * MIN_SHARED_FRAME_BYTES) {
      for (let index = start; index < end; index += 1) parts.push(this.frames[index] ?? EMPTY);
      return;
    }
    const key = start * RUN_KEY_BASE + end;
    let joined = this.joined.get(key);
    if (joined === undefined) {
      joined = Buffer.concat(this.frames.slice(start, end), bytes);
      this.joined.set(key, joined);
    }
    parts.push(joined);
  }
}
