import type { Socket } from 'node:net';
import type { FlushScheduler, Flushable } from './flush-scheduler.js';

/**
 * The writes waiting for one socket. Frames queued during one event-loop turn are joined
 * into a single `write()`; while the socket reports backpressure nothing more is written,
 * and frames wait here until it drains.
 */
export class OutboundQueue implements Flushable {
  private readonly socket: Socket;
  private readonly scheduler: FlushScheduler;
  private frames: Buffer[] = [];
  private frameBytes = 0;
  private scheduled = false;
  private blocked = false;
  /**
   * Whether frames may share one write. Raw framing has no delimiters, so each of its
   * messages is written on its own.
   */
  coalesce: boolean;

  constructor(socket: Socket, scheduler: FlushScheduler, coalesce: boolean) {
    this.socket = socket;
    this.scheduler = scheduler;
    this.coalesce = coalesce;
    socket.on('drain', this.onDrain);
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
    this.frames.push(frame);
    this.frameBytes += frame.length;
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true;
      this.scheduler.schedule(this);
    }
  }

  /** Writes what is waiting now, unless the socket is applying backpressure. */
  flush(): void {
    this.scheduled = false;
    if (this.blocked || this.frames.length === 0) return;
    if (!this.socket.writable) {
      this.discard();
      return;
    }
    const frames = this.frames;
    const bytes = this.frameBytes;
    this.frames = [];
    this.frameBytes = 0;
    let flowing = true;
    if (this.coalesce && frames.length > 1) {
      flowing = this.socket.write(Buffer.concat(frames, bytes));
    } else {
      for (const frame of frames) flowing = this.socket.write(frame);
    }
    if (!flowing) this.blocked = true;
  }

  /** Drops whatever is waiting (the connection is going away without a flush). */
  discard(): void {
    this.frames = [];
    this.frameBytes = 0;
  }

  private readonly onDrain = (): void => {
    this.blocked = false;
    this.flush();
  };
}
