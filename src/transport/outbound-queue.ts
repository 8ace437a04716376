import type { Writable } from 'node:stream';
import type { FlushScheduler, Flushable } from './flush-scheduler.js';
import type { FrameJournal } from './frame-journal.js';

const EMPTY = Buffer.alloc(0);

/** Who is told when a queue has handed everything to its socket: its peer, to lift the backpressure it applied. */
export interface QueueOwner {
  /** The socket took what was queued (the kernel may still hold some of it: `queuedBytes` says). */
  queueDrained(): void;
}

/**
 * The writes waiting for one socket. Frames queued during one event-loop turn leave in one
 * vectored write at the end of the turn; while the socket reports backpressure nothing more
 * is written, and frames wait here until it drains.
 *
 * No receiver copies what it shares with others. In the common case (socket flowing,
 * delimited frames) a frame is not kept here but noted as a position in the scheduler's
 * journal for this turn: small runs of frames are joined once for every receiver that got
 * the same run, large ones are written as the frames themselves. Frames queued while blocked
 * are kept here, as references to the same buffers every other receiver holds.
 */
export class OutboundQueue implements Flushable {
  private readonly socket: Writable;
  private readonly scheduler: FlushScheduler;
  /** Frames kept here: while blocked, or for framings that cannot share a write. */
  private frames: Buffer[] = [];
  private frameBytes = 0;
  /** The journal `runs` and the open run [runStart, runEnd) point into. */
  private journal: FrameJournal | undefined;
  /** Closed runs, as start, end pairs. */
  private runs: number[] = [];
  private runStart = -1;
  private runEnd = -1;
  private scheduled = false;
  private blocked = false;
  private readonly owner: QueueOwner | undefined;
  /**
   * Whether frames may share one write. Raw framing has no delimiters, so each of its
   * messages is written on its own.
   */
  coalesce: boolean;

  constructor(socket: Writable, scheduler: FlushScheduler, coalesce: boolean, owner?: QueueOwner) {
    this.socket = socket;
    this.scheduler = scheduler;
    this.coalesce = coalesce;
    this.owner = owner;
  }

  /** Bytes waiting here plus bytes the socket has accepted but not yet sent. */
  get queuedBytes(): number {
    return this.frameBytes + this.socket.writableLength;
  }

  /** Whether the socket is applying backpressure. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Queues one frame; it is written at the end of this event-loop turn. */
  enqueue(frame: Buffer): void {
    this.frameBytes += frame.length;
    if (this.blocked || !this.coalesce || this.frames.length > 0) {
      this.frames.push(frame);
    } else {
      this.note(frame);
    }
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      this.scheduler.schedule(this);
    }
  }

  /** Writes what is waiting now, unless the socket is applying backpressure. */
  flush(): void {
    this.scheduled = false;
    if (this.blocked) return;
    if (this.frameBytes === 0) {
      this.owner?.queueDrained();
      return;
    }
    if (!this.socket.writable) {
      this.discard();
      return;
    }
    let flowing = true;
    if (this.coalesce) {
      const parts: Buffer[] = [];
      if (this.runEnd > this.runStart) this.takeRuns(parts);
      for (const frame of this.frames) parts.push(frame);
      this.frames = [];
      flowing = writeParts(this.socket, parts);
    } else {
      // No delimiters: each message must leave in a write of its own.
      const frames = this.frames;
      this.frames = [];
      for (const frame of frames) flowing = this.socket.write(frame);
    }
    this.frameBytes = 0;
    if (!flowing) {
      this.blocked = true;
      // Listened for only while blocked: an idle connection carries no drain closure.
      this.socket.once('drain', () => {
        this.blocked = false;
        this.flush();
      });
      return;
    }
    this.owner?.queueDrained();
  }

  /** Drops whatever is waiting (the connection is going away without a flush). */
  discard(): void {
    this.frames = [];
    this.frameBytes = 0;
    this.forgetRuns();
  }

  /** Records `frame` as the next position in this turn's journal, extending the open run when it follows on. */
  private note(frame: Buffer): void {
    const journal = this.scheduler.journal();
    if (journal !== this.journal) {
      if (this.runEnd > this.runStart) {
        // Runs of a turn whose flush has not reached this queue yet: keep their bytes here, in order.
        this.takeRuns(this.frames);
        this.frames.push(frame);
        return;
      }
      this.journal = journal;
      this.runs = [];
      this.runStart = -1;
      this.runEnd = -1;
    }
    const index = journal.indexOf(frame);
    if (index === this.runEnd) {
      this.runEnd = index + 1;
      return;
    }
    if (this.runEnd > this.runStart) this.runs.push(this.runStart, this.runEnd);
    this.runStart = index;
    this.runEnd = index + 1;
  }

  /** Appends the bytes of the runs noted so far to `parts`, and forgets them. */
  private takeRuns(parts: Buffer[]): void {
    const journal = this.journal;
    const runs = this.runs;
    runs.push(this.runStart, this.runEnd);
    this.forgetRuns();
    if (journal === undefined) return;
    for (let i = 0; i < runs.length; i += 2) journal.appendParts(runs[i] ?? 0, runs[i + 1] ?? 0, parts);
  }

  private forgetRuns(): void {
    this.journal = undefined;
    this.runs = [];
    this.runStart = -1;
    this.runEnd = -1;
  }
}

/**
 * Writes `parts` as one write: the buffers themselves, shared with every other receiver of
 * them, handed to the socket corked so that it sends them in one vectored write rather than
 * copying them into a buffer of this receiver's own. Returns what the last `write()` said.
 */
function writeParts(socket: Writable, parts: readonly Buffer[]): boolean {
  if (parts.length === 1) return socket.write(parts[0] ?? EMPTY);
  socket.cork();
  let flowing = true;
  for (const part of parts) flowing = socket.write(part);
  socket.uncork();
  return flowing;
}
