/** Something with writes waiting to go out. */
export interface Flushable {
  flush(): void;
}

/**
 * Collects everything that has writes waiting and flushes it once per event-loop turn, so
 * that all the messages a socket is sent in one turn leave in a single `write()`.
 */
export class FlushScheduler {
  private pending: Flushable[] = [];
  private scheduled = false;

  /** Asks for `target.flush()` at the end of this event-loop turn. Call at most once per turn per target. */
  schedule(target: Flushable): void {
    this.pending.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    for (const target of pending) target.flush();
  };
}
