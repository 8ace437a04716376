import { whenAborted } from '../abort.js';
import { AbortError } from '../errors.js';
import { positiveInteger, shown } from './option-checks.js';
import type { ReadGate } from './read-gate.js';

/** Default `highWaterMark` of `client.messages()`: as many messages as the offline queue holds. */
export const DEFAULT_MESSAGES_HIGH_WATER_MARK = 100;

/** Options for `client.messages()`. */
export interface MessageIteratorOptions {
  /**
   * How many messages the loop may fall behind by before the client stops reading from the hub
   * (they are then held back in the operating system and at the hub, not in memory here); it
   * reads again once the loop has taken half of them. Default 100.
   */
  highWaterMark?: number;
  /** Stops the loop: it throws an `AbortError`, and the messages still buffered for it are let go. */
  signal?: AbortSignal;
}

/**
 * A `for await` loop over a client's messages, from `client.messages()` or
 * `client[Symbol.asyncIterator]()`. `break` (or `return()`, or `await using`) stops it and lets
 * go of what it buffered.
 */
export interface MessageIterator<M> extends AsyncIterableIterator<M>, AsyncDisposable {
  /** Messages received and not yet taken by the loop. */
  readonly buffered: number;
  /** Stops the loop (`break` calls it) and lets go of what it buffered. */
  return(): Promise<IteratorResult<M, undefined>>;
  [Symbol.asyncIterator](): MessageIterator<M>;
}

/** What a client hands each message to: the iterators in its set. */
export interface MessageSink<S> {
  /** The client received `message`. */
  push(message: S): void;
  /** The client closed for good: no message will follow. */
  end(): void;
}

interface Waiter<M> {
  resolve(result: IteratorResult<M, undefined>): void;
  reject(error: Error): void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The bounded buffer between a client and one loop, as nats.js's `QueuedIterator` with a bound:
 * the client pushes each message (`select` maps it to what the loop yields, or skips it); once
 * `highWaterMark` wait, the iterator holds the client's `ReadGate` and the client pauses its
 * socket, so that a loop that falls behind slows the hub down instead of filling memory. Nothing
 * is ever dropped: messages already read when the socket pauses (the rest of one read) are still
 * buffered, so at most `highWaterMark` plus one read's worth wait here.
 *
 * @typeParam S - what the client receives.
 * @typeParam M - what the loop yields.
 */
export class BufferedMessageIterator<S, M> implements MessageIterator<M>, MessageSink<S> {
  private readonly highWaterMark: number;
  private readonly lowWaterMark: number;
  private readonly gate: ReadGate;
  private readonly sinks: Set<MessageSink<S>>;
  private readonly select: (message: S) => M | undefined;
  private buffer: M[] = [];
  /** `next()` calls waiting for a message; only ever with an empty buffer. */
  private readonly waiters: Waiter<M>[] = [];
  /** `open`: receiving; `ending`: the client is done, and what is buffered is still yielded; `done`. */
  private state: 'open' | 'ending' | 'done' = 'open';
  /** Whether this iterator holds the gate (it was full and has not drained to the low mark since). */
  private holding = false;
  /** Why the loop was aborted, kept for the next `next()` when none was waiting. */
  private failure: AbortError | undefined;
  private readonly stopWatching: () => void;

  /** Joins `sinks` (the client's set) at once; leaves it when it ends. */
  constructor(gate: ReadGate, sinks: Set<MessageSink<S>>, select: (message: S) => M | undefined, options: MessageIteratorOptions = {}) {
    this.highWaterMark = positiveInteger('highWaterMark', options.highWaterMark ?? DEFAULT_MESSAGES_HIGH_WATER_MARK);
    this.lowWaterMark = Math.floor(this.highWaterMark / 2);
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal, got ${shown(signal)}`);
    this.gate = gate;
    this.sinks = sinks;
    this.select = select;
    sinks.add(this);
    this.stopWatching = whenAborted(signal, (error) => {
      this.abort(error);
    });
    if (signal?.aborted === true) this.abort(new AbortError(signal.reason));
  }

  get buffered(): number {
    return this.buffer.length;
  }

  push(message: S): void {
    if (this.state !== 'open') return;
    const value = this.select(message);
    if (value === undefined) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value });
      return;
    }
    this.buffer.push(value);
    if (!this.holding && this.buffer.length >= this.highWaterMark) {
      this.holding = true;
      this.gate.hold();
    }
  }

  end(): void {
    if (this.state !== 'open') return;
    this.detach();
    if (this.buffer.length === 0) this.settle(undefined);
  }

  next(): Promise<IteratorResult<M, undefined>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as M;
      // Half-way down, not empty: the socket refills while the loop works through the rest.
      if (this.holding && this.buffer.length <= this.lowWaterMark) this.letGo();
      if (this.state === 'ending' && this.buffer.length === 0) this.settle(undefined);
      return Promise.resolve({ done: false, value });
    }
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.state !== 'open') return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }

  /** Stops the loop (`break` calls it): lets go of what is buffered, and of the gate. */
  return(): Promise<IteratorResult<M, undefined>> {
    this.buffer = [];
    this.failure = undefined;
    this.detach();
    this.settle(undefined);
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Lets `await using messages = client.messages()` stop the loop at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  private abort(error: AbortError): void {
    if (this.state === 'done') return;
    this.buffer = [];
    this.detach();
    this.settle(error);
  }

  /** Stops receiving: leaves the client's set and lets go of the gate. */
  private detach(): void {
    if (this.state !== 'open') return;
    this.state = 'ending';
    this.sinks.delete(this);
    if (this.holding) this.letGo();
  }

  private letGo(): void {
    this.holding = false;
    this.gate.release();
  }

  /** Nothing more to yield: wakes the waiting `next()` calls, with `failure` for the first if there is one. */
  private settle(failure: AbortError | undefined): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.stopWatching();
    const waiters = this.waiters.splice(0);
    if (failure !== undefined) {
      const first = waiters.shift();
      if (first === undefined) this.failure = failure;
      else first.reject(failure);
    }
    for (const waiter of waiters) waiter.resolve(DONE);
  }
}
