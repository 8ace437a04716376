import { HEADER_BYTES, readSender, readSeq, SYNC_SENDER } from './payload.js';

/** Counters shared by every inbox of a job, and the hook a workload hangs on each delivery. */
export class DeliveryLog {
  /** Messages delivered to all inboxes so far (sync messages excluded). */
  delivered = 0;
  readonly errors: string[] = [];
  errorCount = 0;
  /** Called after each verified delivery; workloads use it for windows and latency. */
  onDelivery: (inbox: Inbox, sender: number, seq: number) => void = () => undefined;

  fail(message: string): void {
    this.errorCount += 1;
    if (this.errors.length < 10) this.errors.push(message);
  }
}

/** `inboxes[index]`, which the workloads create before connecting. */
export function inboxAt(inboxes: readonly Inbox[], index: number): Inbox {
  const inbox = inboxes[index];
  if (inbox === undefined) throw new RangeError(`no inbox ${index}`);
  return inbox;
}

/**
 * Verifies what one receiver gets: each sender's messages complete and in sequence, none
 * lost, duplicated or reordered. Join-barrier messages only mark the inbox as synced; a
 * member's own messages (which brokers echo) are skipped.
 */
export class Inbox {
  /** The next sequence number expected from each sender. */
  readonly expected: Int32Array;
  delivered = 0;
  synced = false;
  /** Position of this inbox in a workload's own bookkeeping (the batch window uses it). */
  cursor = 0;

  constructor(
    readonly id: number,
    senders: number,
    private readonly log: DeliveryLog,
    private readonly template: Buffer,
    private readonly fullCheck: boolean,
  ) {
    this.expected = new Int32Array(senders);
  }

  /** Checks the payload at `source[offset, offset + payloadBytes)`; framing was checked by the caller. */
  accept(source: Buffer, offset: number): void {
    const sender = readSender(source, offset);
    const seq = readSeq(source, offset);
    if (sender === SYNC_SENDER) {
      this.synced = true;
      return;
    }
    if (sender === this.id) return;
    const size = this.template.length;
    if (sender < 0 || seq < 0 || sender >= this.expected.length) {
      this.log.fail(`receiver ${this.id}: bad header ${JSON.stringify(source.toString('latin1', offset, offset + HEADER_BYTES))}`);
      return;
    }
    const intact = this.fullCheck
      ? source.compare(this.template, HEADER_BYTES, size, offset + HEADER_BYTES, offset + size) === 0
      : source[offset + HEADER_BYTES] === this.template[HEADER_BYTES] && source[offset + size - 1] === this.template[size - 1];
    if (!intact) this.log.fail(`receiver ${this.id}: message ${sender}/${seq} corrupted`);
    const expected = this.expected[sender] ?? 0;
    if (seq !== expected) this.log.fail(`receiver ${this.id}: from ${sender} expected #${expected}, got #${seq}`);
    this.expected[sender] = seq + 1;
    this.delivered += 1;
    this.log.delivered += 1;
    this.log.onDelivery(this, sender, seq);
  }
}
