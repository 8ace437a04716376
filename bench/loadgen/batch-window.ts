import type { Inbox } from './inbox.js';

/** Tuning of the fan-out sender's window. */
export interface BatchWindowOptions {
  /** Batches that may be in flight at once. */
  readonly maxBatches: number;
  /** How long a batch should take from send to its last delivery; the batch size follows. */
  readonly targetMs: number;
  /** Largest batch, in messages (bounds what queues up for each receiver). */
  readonly maxBatch: number;
}

/**
 * Closed-loop sending for throughput runs: one sender sends batches of messages, and a new
 * batch goes out only when an older one has reached every receiver, so the server's queues
 * stay bounded and no system is pushed into its slow-consumer policy. The batch size adapts
 * (multiplicatively) so that a batch takes about `targetMs` on every system: fast systems
 * get large batches, slow ones small, and draining at the end is quick for all.
 */
export class BatchWindow {
  /** Messages sent so far; also the next sequence number. */
  sent = 0;
  batchSize = 8;
  private readonly lastSeq: number[] = [];
  private readonly remaining: number[] = [];
  private readonly sentAt: number[] = [];
  private inFlight = 0;
  private running = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly receivers: number,
    private readonly send: (firstSeq: number, count: number) => void,
    private readonly options: BatchWindowOptions,
  ) {}

  /** Starts sending. */
  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops sending and resolves once everything sent has been delivered everywhere. */
  stop(): Promise<void> {
    this.running = false;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  /** The delivery hook: to be called for every verified delivery of this sender's messages. */
  readonly delivered = (inbox: Inbox, _sender: number, seq: number): void => {
    if (seq !== this.lastSeq[inbox.cursor]) return;
    const batch = inbox.cursor;
    inbox.cursor += 1;
    const left = (this.remaining[batch] ?? 0) - 1;
    this.remaining[batch] = left;
    if (left === 0) this.completed(batch);
  };

  private completed(batch: number): void {
    this.inFlight -= 1;
    const took = performance.now() - (this.sentAt[batch] ?? 0);
    const { targetMs, maxBatch } = this.options;
    if (took < targetMs) this.batchSize = Math.min(maxBatch, Math.ceil(this.batchSize * 1.25));
    else if (took > targetMs * 1.5) this.batchSize = Math.max(1, Math.floor(this.batchSize * 0.8));
    if (this.running) this.pump();
    else if (this.inFlight === 0) this.idle?.();
  }

  private pump(): void {
    while (this.running && this.inFlight < this.options.maxBatches) {
      const count = this.batchSize;
      this.lastSeq.push(this.sent + count - 1);
      this.remaining.push(this.receivers);
      this.sentAt.push(performance.now());
      this.inFlight += 1;
      this.send(this.sent, count);
      this.sent += count;
    }
  }
}
