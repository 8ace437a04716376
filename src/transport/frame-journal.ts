const EMPTY = Buffer.alloc(0);

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

  /** Frames `start` up to (not including) `end` as one buffer, joined once per turn however many receivers need it. */
  join(start: number, end: number): Buffer {
    if (end - start === 1) return this.frames[start] ?? EMPTY;
    const key = start * RUN_KEY_BASE + end;
    let joined = this.joined.get(key);
    if (joined === undefined) {
      joined = Buffer.concat(this.frames.slice(start, end), (this.ends[end - 1] ?? 0) - (this.ends[start - 1] ?? 0));
      this.joined.set(key, joined);
    }
    return joined;
  }
}
