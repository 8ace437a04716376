import { FrameJournal } from './frame-journal.js';

/** Something with writes waiting to go out. */
export interface Flushable {
  flush(): void;
}

/**
 * Collects everything that has writes waiting and flushes it once per event-loop turn, so
 * that all the messages a socket is sent in one turn leave in a single `write()`; keeps the
 * turn's `FrameJournal`, which lets receivers of the same broadcasts share that write's bytes.
 */
export class FlushScheduler {
  private pending: Flushable[] = [];
  private scheduled = false;
  private current: FrameJournal | undefined;

  /** Asks for `target.flush()` at the end of this event-loop turn. Call at most once per turn per target. */
  schedule(target: Flushable): void {
    this.pending.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  /** This turn's journal; valid until the scheduled flushes have run. */
  journal(): FrameJournal {
    this.current ??= new FrameJournal();
    return this.current;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    // Anything queued from here on (by a flush's side effects) starts the next turn's journal.
    this.current = undefined;
    for (const target of pending) target.flush();
  };
}
