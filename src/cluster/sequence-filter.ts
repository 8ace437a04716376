/** What `SequenceFilter.accept` makes of a frame. */
export type FrameVerdict =
  /** The next frame of the origin's current run: apply it. */
  | 'new'
  /** The first frame heard from an origin (or since it was forgotten): apply it; what it said before is unknown. */
  | 'first'
  /** A frame of the origin's current run after a gap (frames were lost): apply it; what they said is unknown. */
  | 'gap'
  /** Seen already, or from before a reordering, or from a run the origin has left behind: drop it. */
  | 'old'
  /** The first frame of a new run of a known origin (restarted under the same id): apply it, after forgetting the old run. */
  | 'restart';

/** Runs remembered per origin as over, so that a straggler from one cannot pass for a restart. */
const RETIRED_EPOCHS = 4;

interface OriginState {
  epoch: string;
  last: number;
  retired: string[];
}

/**
 * Per-origin sequence numbers as they arrive: a frame whose number is not past the last one
 * from its origin is a duplicate (or from before a reordering) and is dropped; a jump counts
 * the frames in between as missed. A broker that delivers each frame once and in order (Redis
 * pub/sub, NATS core, per publishing connection) never trips it; it is the guarantee, not
 * the mechanism. Numbers are per run (epoch) of an origin: a hub restarted with a fixed id
 * numbers from 1 again, and without the epoch its frames would be dropped until it caught up
 * with its old self.
 */
export class SequenceFilter {
  private readonly origins = new Map<string, OriginState>();
  private missedFrames = 0;

  /** Frames known to be lost so far (gaps in some origin's numbering). */
  get missed(): number {
    return this.missedFrames;
  }

  /** Whether frame `sequence` of run `epoch` of `origin` is to be applied, and what came before it; records it if so. */
  accept(origin: string, epoch: string, sequence: number): FrameVerdict {
    const state = this.origins.get(origin);
    if (state === undefined) {
      this.origins.set(origin, { epoch, last: sequence, retired: [] });
      return 'first';
    }
    if (state.epoch !== epoch) {
      if (state.retired.includes(epoch)) return 'old';
      // The old process's connection and the new one's are not ordered with each other: the
      // old run may still have a frame in flight, which must not count as yet another restart.
      state.retired.push(state.epoch);
      if (state.retired.length > RETIRED_EPOCHS) state.retired.shift();
      state.epoch = epoch;
      state.last = sequence;
      return 'restart';
    }
    if (sequence <= state.last) return 'old';
    const missed = sequence - state.last - 1;
    this.missedFrames += missed;
    state.last = sequence;
    return missed === 0 ? 'new' : 'gap';
  }

  /** Forgets an origin (it closed or expired): whatever it sends next starts afresh. */
  forget(origin: string): void {
    this.origins.delete(origin);
  }
}
