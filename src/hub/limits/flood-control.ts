import { PAUSED_BY_FLOOD, type Peer } from '../peer.js';
import type { HubCounters } from '../hub-counters.js';
import { TokenBucket } from './token-bucket.js';
import type { FloodOptions } from './limit-options.js';

/**
 * What flood control needs from its hub.
 * @internal
 */
export interface FloodHost<T, D> {
  /** The hub's counters: what flood control held back, dropped and cut. */
  readonly counters: Pick<HubCounters, 'floodDelayed' | 'floodDropped' | 'floodCut'>;
  /** Lets a message through to the rest of the hub's inbound path (the `message` event, handlers, relay). */
  accept(peer: Peer<D>, message: T): void;
  /** Tells the sender, once per flood, that its messages are being dropped. */
  warn(peer: Peer<D>, text: string): void;
}

/** One sender's bucket, and under `slow` the messages it holds back, in order. */
class FloodState<T> {
  readonly bucket: TokenBucket;
  backlog: (T | undefined)[] | undefined;
  head = 0;
  timer: NodeJS.Timeout | undefined;
  warned = false;

  constructor(bucket: TokenBucket) {
    this.bucket = bucket;
  }
}

/**
 * Per-client flood control, the first step of the hub's inbound path: a token bucket per
 * sender (`burst` at once, then `rate` per second), and what to do past it. A sender gets its
 * state on its first message, so idle clients cost nothing; the hub does not create this
 * at all unless `flood` is set, so the plain relay pays nothing for it.
 *
 * Under `slow`, a message over the limit and every later one of that sender wait here, in
 * order, and the hub stops reading from the sender, so its own socket (and then its kernel)
 * holds the rest: it is slowed down, not dropped. One timer per throttled sender releases
 * them as the bucket refills; a sender that is not throttled has none.
 * @internal
 */
export class FloodControl<T, D> {
  private readonly host: FloodHost<T, D>;
  private readonly options: Required<FloodOptions>;
  private readonly states = new Map<Peer<D>, FloodState<T>>();
  private readonly warning: string;
  /** What a client cut for flooding is told. */
  private readonly cutMessage: string;

  constructor(host: FloodHost<T, D>, options: Required<FloodOptions>) {
    this.host = host;
    this.options = options;
    const limit = `${options.burst} at once, then ${options.rate} per second`;
    this.warning = `sending too fast: messages over ${limit} are dropped`;
    this.cutMessage = `sent more than ${limit}`;
  }

  /**
   * Whether `message` may go on now (heartbeat answers never come here: the hub hands them to
   * liveness first, so a sender is never cut for answering). When it may not, flood control has
   * taken care of it (held it back, dropped it, or cut the sender).
   */
  admit(peer: Peer<D>, message: T): boolean {
    let state = this.states.get(peer);
    if (state === undefined) {
      state = new FloodState(new TokenBucket({ burst: this.options.burst, ratePerSecond: this.options.rate }));
      this.states.set(peer, state);
    }
    if (state.backlog !== undefined) {
      this.holdBack(peer, state, message);
      return false;
    }
    if (state.bucket.tryTake()) {
      state.warned = false;
      return true;
    }
    switch (this.options.policy) {
      case 'drop':
        this.host.counters.floodDropped += 1;
        if (!state.warned) {
          state.warned = true;
          this.host.warn(peer, this.warning);
        }
        return false;
      case 'disconnect':
        this.cut(peer);
        return false;
      case 'slow':
        state.backlog = [];
        peer.pauseReading(PAUSED_BY_FLOOD);
        this.holdBack(peer, state, message);
        this.schedule(peer, state);
        return false;
    }
  }

  /** Forgets a sender that is gone, with what it had held back. */
  forget(peer: Peer<D>): void {
    const state = this.states.get(peer);
    if (state === undefined) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    this.states.delete(peer);
  }

  private holdBack(peer: Peer<D>, state: FloodState<T>, message: T): void {
    const backlog = state.backlog;
    if (backlog === undefined) return;
    // Reading stopped, so only what was already read can still arrive; a sender that pastes
    // more than this in one go is flooding whatever its pace (IRC's "excess flood").
    if (backlog.length - state.head >= this.options.maxBacklog) {
      this.cut(peer);
      return;
    }
    this.host.counters.floodDelayed += 1;
    backlog.push(message);
  }

  private schedule(peer: Peer<D>, state: FloodState<T>): void {
    state.timer = setTimeout(() => {
      this.release(peer, state);
    }, state.bucket.waitTime());
    state.timer.unref();
  }

  /** Lets held-back messages go, as many as the bucket allows, in order; reads again once none is left. */
  private release(peer: Peer<D>, state: FloodState<T>): void {
    state.timer = undefined;
    const backlog = state.backlog;
    if (backlog === undefined) return;
    while (state.head < backlog.length && peer.isOpen && state.bucket.tryTake()) {
      const message = backlog[state.head] as T;
      backlog[state.head] = undefined;
      state.head += 1;
      this.host.accept(peer, message);
    }
    if (!peer.isOpen || this.states.get(peer) !== state) return;
    if (state.head < backlog.length) {
      this.schedule(peer, state);
      return;
    }
    state.backlog = undefined;
    state.head = 0;
    peer.resumeReading(PAUSED_BY_FLOOD);
  }

  private cut(peer: Peer<D>): void {
    if (!peer.isOpen) return;
    this.host.counters.floodCut += 1;
    peer.close('flood', this.cutMessage);
  }
}
