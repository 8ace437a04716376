/** Frames remembered at most: far more than a window holds, unless a receiver went quiet. */
const MAX_KEPT = 65_536;

/** A frame this hub published, for working out what each receiving hub has yet to apply. */
interface SentFrame {
  readonly seq: number;
  /** Bytes published up to and including this frame. */
  readonly total: number;
  readonly at: number;
}

/** What one receiving hub said it applied last. */
interface Receiver {
  acked: number;
  ackedAt: number;
}

/**
 * Flow control between one publishing hub and the hubs that receive its frames, after TCP's
 * window: each receiver says which of our frames it has applied (`ack` events), and we keep
 * the bytes it has yet to apply under `maxInFlight`. Those bytes are what a broker holds for a
 * slow subscriber (Redis's pub/sub output buffer, NATS's pending bytes), which the broker cuts
 * at its limit: a window under that limit keeps a slow hub subscribed and lets it catch up.
 *
 * A receiver counts once it has acknowledged something, so a hub that never does (a transport
 * without echo of other hubs, an older hub) slows nobody down. A receiver that has left frames
 * unacknowledged for longer than `quietMs` (dead, or stuck) stops counting until it answers
 * again, so that one lost hub does not hold every other hub's publishing for its whole expiry.
 */
export class FlowWindow {
  private readonly maxInFlight: number;
  private readonly quietMs: number;
  private readonly receivers = new Map<string, Receiver>();
  /** Frames not yet acknowledged by every receiver, oldest first, from `head`. */
  private frames: SentFrame[] = [];
  private head = 0;
  /** Bytes published before the oldest frame kept. */
  private base = 0;
  private total = 0;

  constructor(maxInFlight: number, quietMs: number) {
    this.maxInFlight = maxInFlight;
    this.quietMs = quietMs;
  }

  /** Frame `seq` of `bytes` went out at `now`. */
  sent(seq: number, bytes: number, now: number): void {
    this.total += bytes;
    // Nobody to wait for: nothing to remember.
    if (this.receivers.size === 0) this.base = this.total;
    else {
      this.frames.push({ seq, total: this.total, at: now });
      if (this.frames.length - this.head > MAX_KEPT) this.trim();
    }
  }

  /** Hub `hub` applied our frames up to `seq`, as heard at `now`. */
  ack(hub: string, seq: number, now: number): void {
    const receiver = this.receivers.get(hub);
    if (receiver === undefined) this.receivers.set(hub, { acked: seq, ackedAt: now });
    else {
      receiver.acked = Math.max(receiver.acked, seq);
      receiver.ackedAt = now;
    }
    this.trim();
  }

  /** `hub` is gone (closed, expired, restarted): it holds nobody back any more. */
  forget(hub: string): void {
    if (this.receivers.delete(hub)) this.trim();
  }

  /** Forgets every receiver and frame: after a reconnect, what was in flight is lost anyway. */
  reset(): void {
    this.receivers.clear();
    this.frames = [];
    this.head = 0;
    this.base = this.total;
  }

  /**
   * When the window is closed at `now`, the milliseconds after which the receiver holding it
   * closed goes quiet (and then no longer counts); `0` when it is open.
   */
  closedFor(now: number): number {
    let wait = 0;
    for (const receiver of this.receivers.values()) {
      if (this.total - this.totalAt(receiver.acked) < this.maxInFlight) continue;
      // Quiet since its last answer, or since the first frame it has not answered, whichever is later:
      // a receiver idle for an hour is not quiet when a burst starts.
      const since = Math.max(receiver.ackedAt, this.firstAfter(receiver.acked)?.at ?? now);
      const left = since + this.quietMs - now;
      if (left > 0) wait = Math.max(wait, left);
    }
    return wait;
  }

  /** Bytes published up to and including frame `seq`. */
  private totalAt(seq: number): number {
    const index = this.indexAfter(seq);
    return index === this.head ? this.base : (this.frames[index - 1]?.total ?? this.base);
  }

  private firstAfter(seq: number): SentFrame | undefined {
    return this.frames[this.indexAfter(seq)];
  }

  /** Where the first frame numbered after `seq` is kept: everything before it is acknowledged. */
  private indexAfter(seq: number): number {
    let low = this.head;
    let high = this.frames.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.frames[middle]?.seq ?? 0) <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Drops the frames every receiver has acknowledged, and the oldest beyond `MAX_KEPT` (a
   * receiver gone quiet would otherwise keep every frame until it expires; when it answers again,
   * what it had in flight before them is no longer counted).
   */
  private trim(): void {
    let oldest = Infinity;
    for (const receiver of this.receivers.values()) oldest = Math.min(oldest, receiver.acked);
    const keep = this.frames.length - MAX_KEPT;
    while (this.head < this.frames.length) {
      const frame = this.frames[this.head];
      if (frame === undefined || (frame.seq > oldest && this.head >= keep)) break;
      this.base = frame.total;
      this.head += 1;
    }
    if (this.head === this.frames.length) {
      this.frames = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }
}
