/**
 * How far a group of receivers has got together: `done` counts the messages (from 0) every
 * member has received, from completions per in-flight message kept in a ring. The sender keeps
 * at most `window` messages ahead of `done`, so a ring of twice that never wraps onto a live slot.
 */
export class ProgressRing {
  /** Messages 0 .. done-1 have reached every member. */
  done = 0;
  private readonly counts: Int32Array;

  constructor(
    window: number,
    private readonly members: number,
  ) {
    this.counts = new Int32Array(window * 2);
  }

  /** Counts one member's receipt of `seq`; returns whether `done` moved. */
  record(seq: number): boolean {
    const counts = this.counts;
    const slot = seq % counts.length;
    counts[slot] = (counts[slot] ?? 0) + 1;
    const before = this.done;
    while (counts[this.done % counts.length] === this.members) {
      counts[this.done % counts.length] = 0;
      this.done += 1;
    }
    return this.done !== before;
  }
}
