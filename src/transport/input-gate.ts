/** A reader the gate can hold and let go: a peer, which pauses and resumes its socket. */
export interface GatedReader {
  /** The gate let it read again. */
  resumeInput(): void;
}

/** How the gate meters what a hub reads. */
export interface InputGateOptions {
  /** Most bytes all readers together may hand over in one event-loop turn. */
  readonly bytesPerTurn: number;
  /** Most frames queued for receivers in one turn before readers wait for the next: what a turn's input costs the hub is its fan-out, not its bytes. */
  readonly deliveriesPerTurn: number;
  /** How long a congested receiver may hold every reader back before it is left to its own limits, in ms. */
  readonly congestionGraceMs: number;
}

/**
 * Backpressure from receivers to senders. A hub's input is what it owes its receivers: each
 * line read may become a frame for every member of a room. So what the hub reads is metered
 * here, and stops while its output cannot keep up, instead of piling up in memory until
 * receivers are cut as slow consumers:
 *
 * - per event-loop turn, readers together hand over at most `bytesPerTurn`, and no more once
 *   `deliveriesPerTurn` frames were queued for receivers (a chunk read past either waits,
 *   unread, for the next turn), so no turn owes a receiver more than that, nor stalls the event
 *   loop with fan-out, whatever the number of senders;
 * - while some receiver is congested (owed more than the hub's congestion mark), every reader
 *   waits until it drains, as a socket that reports backpressure stops a well-behaved writer.
 *   A receiver that does not drain within `congestionGraceMs` holds no one back any longer:
 *   it is a slow consumer, left to the output caps that cut it;
 * - a reader congested itself (its own replies pile up unread) waits until it drains, with no
 *   grace: a client cannot make the hub write more to it than it reads.
 *
 * The anchors are NATS, which stops reading from a connection whose outbound is over its
 * pending limit, and TCP itself. Checking costs a few comparisons per chunk read.
 */
export class InputGate {
  private readonly options: InputGateOptions;
  private spent = 0;
  private deliveries = 0;
  private turnScheduled = false;
  /** Receivers congested for less than the grace, with the timer that ends it. */
  private readonly congested = new Map<unknown, NodeJS.Timeout>();
  private waiting = new Set<GatedReader>();

  constructor(options: InputGateOptions) {
    this.options = options;
  }

  /** Whether the hub is holding readers back now. */
  get isHolding(): boolean {
    return this.congested.size > 0 || this.spent >= this.options.bytesPerTurn || this.deliveries >= this.options.deliveriesPerTurn;
  }

  /**
   * Whether `reader` may hand over a chunk of `bytes` now; counts it if so. When not, the
   * reader keeps the chunk unread and stops reading; the gate resumes it when it may go on.
   * `selfCongested`: the reader's own output is over the mark.
   */
  admit(reader: GatedReader, bytes: number, selfCongested: boolean): boolean {
    // A reader congested itself resumes when its own output drains, not with the others.
    if (selfCongested) return false;
    // The first read of a turn: what earlier turns spent is behind us.
    if (!this.turnScheduled) {
      this.spent = 0;
      this.deliveries = 0;
    }
    if (this.isHolding) {
      this.waiting.add(reader);
      this.scheduleTurn();
      return false;
    }
    this.scheduleTurn();
    this.spent += bytes;
    return true;
  }

  /** A frame was queued for a receiver. */
  delivered(): void {
    this.deliveries += 1;
  }

  /** `receiver` is owed more than the congestion mark: hold every reader back while it drains. */
  congest(receiver: unknown): void {
    if (this.congested.has(receiver)) return;
    const timer = setTimeout(() => {
      this.relieve(receiver);
    }, this.options.congestionGraceMs);
    timer.unref();
    this.congested.set(receiver, timer);
  }

  /** `receiver` drained below the mark, went away, or used up its grace. */
  relieve(receiver: unknown): void {
    const timer = this.congested.get(receiver);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.congested.delete(receiver);
    if (this.congested.size === 0) this.release();
  }

  /** A reader that is gone need not be resumed. */
  forget(reader: GatedReader): void {
    this.waiting.delete(reader);
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.nextTurn);
  }

  private readonly nextTurn = (): void => {
    this.turnScheduled = false;
    this.spent = 0;
    this.deliveries = 0;
    if (this.congested.size === 0) this.release();
  };

  /** Lets every waiting reader go on. */
  private release(): void {
    if (this.waiting.size === 0) return;
    const waiting = this.waiting;
    this.waiting = new Set();
    for (const reader of waiting) reader.resumeInput();
  }
}
