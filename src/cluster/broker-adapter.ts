import { nickSkeleton } from '../protocol/names.js';
import { randomBytes } from 'node:crypto';
import type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, RemotePeer } from './adapter.js';
import { DEFAULT_MAX_FRAME_BYTES, type BrokerTransport } from './broker-transport.js';
import { ByteBucket } from './byte-bucket.js';
import { ClusterUnavailableError } from './cluster-error.js';
import { FlowWindow } from './flow-window.js';
import { presenceEvents, SnapshotAssembler } from './presence-snapshot.js';
import { PresenceTable } from './presence-table.js';
import { SequenceFilter } from './sequence-filter.js';
import { decodeFrame, encodeFrame, encodeFrameOf, frameOverhead, framePrefix, runPrefix, sequenceAt } from './wire.js';

/** Default milliseconds between heartbeats (nickname claims refreshed, silent hubs expired). */
export const DEFAULT_CLUSTER_HEARTBEAT_INTERVAL_MS = 5000;
/** Default milliseconds after which a silent hub's peers are dropped and its nicknames freed. */
export const DEFAULT_PRESENCE_TIMEOUT_MS = 15_000;
/** Default bytes a hub publishes per second at most, on average: 32 MiB. */
export const DEFAULT_PUBLISH_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** Default bytes a hub may publish at once before the rate applies: 4 MiB. */
export const DEFAULT_PUBLISH_BURST_BYTES = 4 * 1024 * 1024;
/** Default bytes of a hub's frames that another hub may have yet to apply: 4 MiB, half Redis's soft pub/sub limit. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;
/** Default bytes of events a hub holds waiting for its budget before it drops more: 32 MiB. */
export const DEFAULT_MAX_BACKLOG_BYTES = 32 * 1024 * 1024;

/**
 * A receiving hub acknowledges another hub's frames each time it has applied this many bytes
 * of them (and on every heartbeat): a few acknowledgements per window, a tiny frame each.
 */
const ACK_EVERY_BYTES = 256 * 1024;

/** Options common to every broker adapter. */
export interface BrokerAdapterOptions {
  /** Milliseconds between heartbeats. Default 5000. */
  heartbeatInterval?: number;
  /**
   * Milliseconds of silence after which a hub counts as dead: its peers leave every other
   * hub's presence and its nicknames are freed. Default 15000; at least twice the heartbeat.
   * A dead hub is gone from the others within `presenceTimeout + heartbeatInterval`.
   */
  presenceTimeout?: number;
  /**
   * This hub's id in the cluster. Default: random. Must be unique among the running hubs; a
   * hub restarted with the same id is told apart from its old self by a random epoch of each
   * adapter, so the others take its new frames at once.
   */
  hubId?: string;
  /**
   * Bytes of frames this hub publishes per second at most, on average. Default 32 MiB. Past it,
   * events wait their turn and the hub stops reading from the clients whose messages they are,
   * until the budget refills: they are slowed down, not dropped.
   */
  publishBytesPerSecond?: number;
  /** Bytes of frames this hub may publish at once before `publishBytesPerSecond` applies. Default 4 MiB. */
  publishBurstBytes?: number;
  /**
   * Bytes of this hub's frames that any other hub may have received from the broker but not yet
   * applied (it says how far it got every 256 KiB). Default 4 MiB; at least 1 MiB. Those bytes
   * wait in the broker, which cuts a subscriber that falls too far behind (Redis:
   * `client-output-buffer-limit pubsub 32mb 8mb 60`; NATS: a slow consumer over `max_pending`):
   * past the window this hub waits, as when its rate is spent, so a slow hub stays subscribed.
   */
  maxInFlightBytes?: number;
  /**
   * Bytes of events this hub holds while its budget is spent, at most. Default 32 MiB. The
   * clients that feed them are paused, so this fills only with what the hub itself broadcasts,
   * or with a burst already read; past it, events are dropped and counted.
   */
  maxBacklogBytes?: number;
}

/** Counters of what crossed the broker, for monitoring and tests. */
export interface BrokerAdapterStats {
  /** Events handed to the broker. */
  readonly published: number;
  /**
   * Events not sent because the broker was unreachable, refused them, or one was too big for a
   * frame (at-most-once: they are lost). Refusals and oversized events are also reported as
   * `adapterError`s.
   */
  readonly dropped: number;
  /** Events from other hubs applied here. */
  readonly received: number;
  /** Frames (batches of events) from other hubs seen twice, or from a run of a hub that restarted since, and dropped. */
  readonly duplicates: number;
  /** Frames (batches of events) of other hubs that never arrived (gaps in their numbering). */
  readonly missed: number;
  /** Events waiting now for the outbound budget (the rate, or a slow hub's window). */
  readonly waiting: number;
  /** Times the outbound budget ran out and the hub held senders back. */
  readonly throttled: number;
}

/**
 * A `ClusterAdapter` on any publish/subscribe broker: every hub publishes numbered frames on
 * one channel through one connection, so each hub's frames (and so each sender's messages)
 * reach every other hub in order; a hub skips its own frames and any it has seen. Publishing
 * is bounded in rate and in what the other hubs have yet to apply, holding senders back past
 * it. Presence travels as events, plus a snapshot (in parts under the frame limit) for a hub
 * that joins or missed some; heartbeats are tiny and never wait behind anything. Nicknames are
 * claimed as broker keys with a time to live that the heartbeat extends.
 */
export class BrokerAdapter implements ClusterAdapter {
  readonly hubId: string;
  private readonly transport: BrokerTransport;
  private readonly heartbeatInterval: number;
  private readonly presenceTimeout: number;
  private readonly maxBacklogBytes: number;
  private readonly filter = new SequenceFilter();
  private readonly presence = new PresenceTable();
  private readonly snapshots = new SnapshotAssembler();
  /** Other hubs whose presence here may be wrong (frames of theirs were lost), since when: asked for a snapshot. */
  private readonly unsynced = new Map<string, number>();
  /** Lower-cased nicknames this hub holds in the broker. */
  private readonly claimed = new Set<string>();
  /**
   * Claims, refreshes and releases on their way to the broker. `close()` lets them finish before
   * its own releases and before the transport goes: a release cut off by the close (NATS refuses
   * requests once draining) would keep its name from every hub until the claim's time to live,
   * and so would a claim landing after it.
   */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private host: AdapterHost | undefined;
  private state: AdapterStatus = 'connecting';
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly ownPrefix: string;
  /** How this run's frames begin, up to their number: our own frames coming back tell how far our subscriber got. */
  private readonly runHead: string;
  /** This adapter's run: a hub restarted under a fixed `hubId` numbers its frames from 1 again. */
  private readonly epoch = randomBytes(6).toString('base64url');
  private sequence = 0;
  private snapshotPending = false;
  /** Events of this event-loop turn, published together at its end. */
  private outbox: ClusterEvent[] = [];
  /** The outbound budget: a rate, and a window per receiving hub. */
  private readonly bucket: ByteBucket;
  private readonly window: FlowWindow;
  /** Events (encoded) waiting for the budget, oldest first from `backlogHead`. */
  private backlog: string[] = [];
  private backlogHead = 0;
  private backlogBytes = 0;
  /** The budget is spent: `publish()` says so, and the hub holds senders back until `drained()`. */
  private congested = false;
  private drainTimer: NodeJS.Timeout | undefined;
  /** Dropping events because the backlog is full; one gap in the numbering and one report per overflow. */
  private overflowing = false;
  /** Per other hub: how far this hub applied its frames, and the bytes of them not yet acknowledged. */
  private readonly progress = new Map<string, { epoch: string; seq: number; bytes: number }>();
  private acksDue = false;
  private refreshing = false;
  private counts = { published: 0, dropped: 0, received: 0, duplicates: 0, throttled: 0 };

  constructor(transport: BrokerTransport, options: BrokerAdapterOptions = {}) {
    this.transport = transport;
    this.hubId = options.hubId ?? randomBytes(8).toString('hex');
    this.ownPrefix = framePrefix(this.hubId);
    this.runHead = runPrefix(this.hubId, this.epoch);
    this.heartbeatInterval = positive('heartbeatInterval', options.heartbeatInterval ?? DEFAULT_CLUSTER_HEARTBEAT_INTERVAL_MS);
    this.presenceTimeout = positive('presenceTimeout', options.presenceTimeout ?? DEFAULT_PRESENCE_TIMEOUT_MS);
    if (this.presenceTimeout < 2 * this.heartbeatInterval) throw new RangeError('presenceTimeout must be at least twice heartbeatInterval');
    const rate = positive('publishBytesPerSecond', options.publishBytesPerSecond ?? DEFAULT_PUBLISH_BYTES_PER_SECOND);
    const burst = positive('publishBurstBytes', options.publishBurstBytes ?? DEFAULT_PUBLISH_BURST_BYTES);
    const window = positive('maxInFlightBytes', options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES);
    // Receivers answer every ACK_EVERY_BYTES: a window of fewer acknowledgements would stall between them.
    if (window < 4 * ACK_EVERY_BYTES) throw new RangeError(`maxInFlightBytes must be at least ${4 * ACK_EVERY_BYTES}, got ${window}`);
    this.maxBacklogBytes = positive('maxBacklogBytes', options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES);
    this.bucket = new ByteBucket(rate, burst);
    // A receiver answers at least every heartbeat while it has frames to answer (a busy one's
    // heartbeat may come late): one that has not for two is lost or stuck.
    this.window = new FlowWindow(window, 2 * this.heartbeatInterval);
  }

  get status(): AdapterStatus {
    return this.state;
  }

  /** What crossed the broker so far. */
  get stats(): BrokerAdapterStats {
    return { ...this.counts, missed: this.filter.missed, waiting: this.backlog.length - this.backlogHead };
  }

  attach(host: AdapterHost): void {
    if (this.host !== undefined) throw new TypeError('an adapter serves one hub: create one per hub');
    this.host = host;
    this.started = this.transport.start({
      message: this.onFrame,
      up: this.onUp,
      down: this.onDown,
      error: (error) => {
        this.report(error instanceof ClusterUnavailableError ? error : new ClusterUnavailableError(this.transport.name, error.message, error));
      },
    });
    this.started.then(this.onUp, (error: unknown) => {
      if (this.state !== 'closed') this.report(new ClusterUnavailableError(this.transport.name, 'could not connect', error));
    });
    this.timer = setInterval(this.beat, this.heartbeatInterval);
    this.timer.unref();
  }

  ready(): Promise<void> {
    return this.started ?? Promise.reject(new TypeError('the adapter is not attached to a hub yet'));
  }

  publish(event: ClusterEvent): boolean {
    if (this.state === 'closed') return true;
    if (this.outbox.length === 0) queueMicrotask(this.flush);
    this.outbox.push(event);
    return !this.congested;
  }

  /**
   * Sends the turn's events: as one frame when the budget allows and they fit, else through the
   * backlog, which packs them into frames under the transport's limit (a burst of short lines is
   * easily a megabyte of events) as the budget allows. Every frame is numbered even when it
   * cannot be sent, so that the others see the gap.
   */
  private readonly flush = (): void => {
    const events = this.outbox;
    if (events.length === 0) return;
    this.outbox = [];
    if (this.state !== 'connected') {
      this.sequence += 1;
      this.counts.dropped += events.length;
      return;
    }
    if (this.backlogHead === this.backlog.length && this.budgetOpen(performance.now())) {
      const whole = encodeFrame(this.hubId, this.epoch, this.sequence + 1, events);
      const bytes = Buffer.byteLength(whole);
      if (bytes <= this.frameLimit()) {
        const failure = this.sendData(whole, events.length, bytes);
        if (failure !== undefined) this.reportFailure(failure, events.length);
        this.settle();
        return;
      }
    }
    this.enqueue(events);
    this.drain();
  };

  /** Adds events to the backlog, dropping (and counting, and reporting once) what does not fit under `maxBacklogBytes`. */
  private enqueue(events: readonly ClusterEvent[]): void {
    let dropped = 0;
    for (const event of events) {
      if (this.backlogBytes >= this.maxBacklogBytes) {
        dropped += 1;
        continue;
      }
      const part = JSON.stringify(event);
      this.backlog.push(part);
      this.backlogBytes += part.length;
    }
    if (dropped === 0) {
      this.overflowing = false;
      return;
    }
    this.counts.dropped += dropped;
    if (this.overflowing) return;
    this.overflowing = true;
    // A gap in the numbering, so that the others know something was lost (and ask again for our presence).
    this.sequence += 1;
    this.report(new ClusterUnavailableError(this.transport.name, `dropped ${dropped} events: over ${this.maxBacklogBytes} bytes are waiting for the broker`));
  }

  /**
   * Publishes from the backlog, a frame at a time, while the budget allows (`force`: all of it,
   * as the hub closes); then works out whether it is still spent.
   */
  private drain(force = false): void {
    if (this.drainTimer !== undefined) {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    }
    const limit = this.frameLimit();
    const overhead = frameOverhead(this.hubId, this.epoch);
    let failure: PublishFailure | undefined;
    const note = (more: PublishFailure | undefined): void => {
      if (more !== undefined) failure = failure === undefined ? more : { ...failure, events: failure.events + more.events };
    };
    let total = 0;
    while (this.backlogHead < this.backlog.length && this.state === 'connected' && (force || this.budgetOpen(performance.now()))) {
      const parts: string[] = [];
      let bytes = overhead;
      while (this.backlogHead < this.backlog.length) {
        const part = this.backlog[this.backlogHead] ?? '';
        const size = Buffer.byteLength(part);
        if (parts.length === 0 && overhead + size > limit) {
          // Too big for any frame: dropped, with a gap in the numbering.
          this.take();
          this.sequence += 1;
          this.counts.dropped += 1;
          total += 1;
          note({ events: 1, reason: `an event of ${size} bytes does not fit in a ${limit}-byte frame` });
          continue;
        }
        if (parts.length > 0 && bytes + 1 + size > limit) break;
        bytes += (parts.length > 0 ? 1 : 0) + size;
        parts.push(this.take());
      }
      if (parts.length === 0) continue;
      total += parts.length;
      note(this.sendData(encodeFrameOf(this.hubId, this.epoch, this.sequence + 1, parts), parts.length, bytes));
    }
    if (this.backlogHead === this.backlog.length) {
      this.backlog = [];
      this.backlogHead = 0;
      this.backlogBytes = 0;
    } else if (this.backlogHead > 4096 && this.backlogHead * 2 > this.backlog.length) {
      // A backlog that never quite empties (a sender held back for minutes) keeps only what waits.
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
    if (failure !== undefined) this.reportFailure(failure, total);
    this.settle();
  }

  /** The oldest event of the backlog, taken out of it. */
  private take(): string {
    const part = this.backlog[this.backlogHead] ?? '';
    this.backlog[this.backlogHead] = '';
    this.backlogHead += 1;
    this.backlogBytes -= part.length;
    return part;
  }

  /** Whether a frame may go now: the rate has budget left, and no receiving hub that keeps answering has a full window. */
  private budgetOpen(now: number): boolean {
    return this.bucket.open && this.window.closedFor(now) === 0;
  }

  /**
   * Works out whether the budget is spent after a publish or a drain: if so, the hub holds back
   * the senders of what it publishes next, and a timer tries again when the rate has refilled
   * or a silent receiver stops counting (an acknowledgement may open the window sooner); if no
   * longer, the hub reads from them again.
   */
  private settle(): void {
    const now = performance.now();
    const waiting = this.backlogHead < this.backlog.length;
    const wait = this.state !== 'connected' ? 0 : Math.max(this.bucket.waitMs(), this.window.closedFor(now));
    if (waiting || wait > 0) {
      if (!this.congested) {
        this.congested = true;
        this.counts.throttled += 1;
      }
      if (this.drainTimer === undefined && this.state === 'connected') {
        this.drainTimer = setTimeout(this.drainLater, Math.max(1, wait));
        this.drainTimer.unref();
      }
      return;
    }
    if (!this.congested) return;
    this.congested = false;
    this.host?.drained();
  }

  private readonly drainLater = (): void => {
    this.drainTimer = undefined;
    if (this.state === 'connected') this.drain();
  };

  /** Publishes a frame of the backlog or of a turn, spending its bytes from the budget. */
  private sendData(text: string, count: number, bytes: number): PublishFailure | undefined {
    const failure = this.send(text, count);
    this.bucket.take(bytes);
    this.window.sent(this.sequence, bytes, performance.now());
    return failure;
  }

  /**
   * Publishes a frame at once, ahead of the backlog and outside the budget: heartbeats and
   * acknowledgements, a few dozen bytes each, which must never wait behind a burst (a hub
   * whose heartbeats waited could be taken for dead, and two hubs each waiting for the
   * other's acknowledgements would wait forever).
   */
  private sendControl(events: readonly ClusterEvent[]): void {
    if (this.state !== 'connected' || events.length === 0) return;
    const failure = this.send(encodeFrame(this.hubId, this.epoch, this.sequence + 1, events), events.length);
    if (failure !== undefined) this.reportFailure(failure, events.length);
  }

  private frameLimit(): number {
    return this.transport.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  private reportFailure(failure: PublishFailure, of: number): void {
    this.report(new ClusterUnavailableError(this.transport.name, `could not publish ${failure.events} of ${of} events: ${failure.reason}`, failure.cause));
  }

  /** Publishes frame number `sequence + 1`, holding `count` events; what went wrong, if the broker refused it. */
  private send(text: string, count: number): PublishFailure | undefined {
    this.sequence += 1;
    let sent: boolean;
    try {
      sent = this.transport.publish(text);
    } catch (error) {
      this.counts.dropped += count;
      return { events: count, reason: error instanceof Error ? error.message : String(error), cause: error };
    }
    // Not sent without an error: the link went down, which `down` reports once.
    if (sent) this.counts.published += count;
    else this.counts.dropped += count;
    return undefined;
  }

  async claimNick(nick: string): Promise<boolean> {
    const key = nickSkeleton(nick);
    if (this.claimed.has(key)) return true;
    if (this.state !== 'connected') throw new ClusterUnavailableError(this.transport.name, `cannot check nickname '${nick}' with the other hubs: the broker is unreachable`);
    try {
      // Recorded before the operation settles, so that a close() waiting for it releases the name too.
      return await this.track(
        this.transport.claim(claimKey(key), this.hubId, this.presenceTimeout).then((ok) => {
          if (ok) this.claimed.add(key);
          return ok;
        }),
      );
    } catch (error) {
      throw new ClusterUnavailableError(this.transport.name, `could not claim nickname '${nick}'`, error);
    }
  }

  releaseNick(nick: string): void {
    const key = nickSkeleton(nick);
    if (!this.claimed.delete(key) || this.state !== 'connected') return;
    this.track(this.transport.release(claimKey(key), this.hubId)).catch((error: unknown) => {
      this.report(new ClusterUnavailableError(this.transport.name, `could not release nickname '${nick}'`, error));
    });
  }

  /** Counts `operation` as in flight until it settles. */
  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight.add(operation);
    const settled = (): void => {
      this.inFlight.delete(operation);
    };
    operation.then(settled, settled);
    return operation;
  }

  findNick(nick: string): RemotePeer | undefined {
    return this.presence.find(nick);
  }

  remotePeers(): RemotePeer[] {
    return this.presence.all();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * What is in flight finishes first (releases above all: the hub's peers have just left, each
   * giving up its name), then the others are told goodbye and the names still held released,
   * and only then does the transport close. Without a broker there is nothing to wait for: the
   * names expire with their time to live.
   */
  private async shutdown(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.timer !== undefined) clearInterval(this.timer);
    // A loop: an operation that settles may have been followed by another (a claim's release).
    while (this.state === 'connected' && this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.state === 'connected') {
      // The goodbye goes last, after whatever still waits for the budget: all of it now.
      this.publish({ type: 'bye' });
      this.flush();
      this.drain(true);
      await Promise.allSettled([...this.claimed].map((key) => this.transport.release(claimKey(key), this.hubId)));
    }
    this.claimed.clear();
    this.setStatus('closed');
    this.clearBacklog();
    await this.transport.close();
  }

  private readonly onFrame = (text: string): void => {
    if (this.state === 'closed') return;
    // Every hub hears its own frames on the shared channel: skipped before the cost of parsing,
    // but they say how far behind our own subscriber is, which the broker cuts like any other.
    if (text.startsWith(this.ownPrefix)) {
      if (text.startsWith(this.runHead)) this.ownFrameBack(sequenceAt(text, this.runHead.length));
      return;
    }
    const frame = decodeFrame(text);
    if (frame === undefined || frame.o === this.hubId) return;
    const origin = frame.o;
    const epoch = frame.r ?? '';
    const verdict = this.filter.accept(origin, epoch, frame.s);
    if (verdict === 'old') {
      this.counts.duplicates += 1;
      return;
    }
    const now = Date.now();
    if (verdict === 'restart') {
      // The same id in a new process: the peers of the old one are gone, whatever it said last.
      this.dropPresence(origin, 'hub restarted');
      this.forgetFlow(origin);
    }
    // What came before this frame is unknown here: our copy of its presence may be wrong.
    if (verdict !== 'new' && !this.unsynced.has(origin)) this.unsynced.set(origin, now);
    this.counts.received += frame.e.length;
    this.presence.touch(origin, now);
    for (const event of frame.e) {
      // Nothing on the channel is trusted: an event of the right type with the wrong fields costs itself only.
      try {
        this.receive(origin, event, now);
      } catch (error) {
        this.report(new ClusterUnavailableError(this.transport.name, `ignored a malformed '${event.type}' event from hub ${origin}`, error));
      }
    }
    this.applied(origin, epoch, frame.s, text.length);
  };

  private receive(origin: string, event: ClusterEvent, now: number): void {
    switch (event.type) {
      case 'presence': {
        const snapshot = this.snapshots.add(origin, event);
        if (snapshot === 'broken') this.unsynced.set(origin, now);
        else if (snapshot !== undefined) {
          this.presence.replace(origin, snapshot, now);
          this.unsynced.delete(origin);
        }
        return;
      }
      case 'hello':
        if (event.to === undefined || (Array.isArray(event.to) && event.to.includes(this.hubId))) this.sendSnapshotSoon();
        return;
      case 'beat':
        this.checkCount(origin, event, now);
        return;
      case 'ack':
        if (event.hub === this.hubId && event.r === this.epoch && typeof event.s === 'number') {
          this.window.ack(origin, event.s, performance.now());
          if (this.congested) this.drain();
        }
        return;
      case 'bye':
        this.forgetHub(origin, 'hub closed');
        return;
      case 'connect':
        this.presence.add(origin, event.nick, [event.room]);
        break;
      case 'join':
        this.presence.setRoom(origin, event.nick, event.room, true);
        break;
      case 'leave':
        this.presence.setRoom(origin, event.nick, event.room, false);
        break;
      case 'nick':
        this.presence.rename(origin, event.from, event.nick, event.rooms);
        break;
      case 'disconnect':
        this.presence.remove(origin, event.nick);
        break;
      default:
        break;
    }
    this.apply(event, origin);
  }

  /** Our frame `seq` came back through our own subscription: our own window, kept as any receiver's. */
  private ownFrameBack(seq: number): void {
    this.window.ack(this.hubId, seq, performance.now());
    if (this.congested) this.drain();
  }

  /**
   * A heartbeat that counts its sender's presence (it had nothing waiting, so everything before
   * it has arrived): if our copy counts otherwise, something was missed, and we ask again.
   */
  private checkCount(origin: string, event: Extract<ClusterEvent, { type: 'beat' }>, now: number): void {
    if (event.n === undefined || this.unsynced.has(origin)) return;
    const known = this.presence.count(origin);
    if (known?.peers !== event.n || (event.m !== undefined && known.memberships !== event.m)) this.unsynced.set(origin, now);
  }

  /**
   * Records that this hub applied frame `seq` of `origin` (`chars` long), and acknowledges its
   * frames once enough of them went by: the other hub's window, see `maxInFlightBytes`.
   */
  private applied(origin: string, epoch: string, seq: number, chars: number): void {
    let progress = this.progress.get(origin);
    if (progress?.epoch !== epoch) {
      progress = { epoch, seq, bytes: 0 };
      this.progress.set(origin, progress);
    }
    progress.seq = seq;
    progress.bytes += chars;
    if (progress.bytes >= ACK_EVERY_BYTES && !this.acksDue) {
      this.acksDue = true;
      // After the rest of what the broker's client read at once: one acknowledgement frame for all of it.
      queueMicrotask(this.sendAcks);
    }
  }

  private readonly sendAcks = (): void => {
    this.acksDue = false;
    this.sendControl(this.dueAcks());
  };

  /** Acknowledgements of every hub whose frames we applied since we last said so. */
  private dueAcks(): ClusterEvent[] {
    const acks: ClusterEvent[] = [];
    for (const [hub, progress] of this.progress) {
      if (progress.bytes === 0) continue;
      progress.bytes = 0;
      acks.push({ type: 'ack', hub, r: progress.epoch, s: progress.seq });
    }
    return acks;
  }

  private readonly onUp = (): void => {
    if (this.state === 'closed') return;
    this.setStatus('connected');
    // While down, the others' events were lost: ask for their presence, give ours, and give
    // every hub a full timeout to be heard from again before it counts as dead.
    this.presence.touchAll(Date.now());
    this.publish({ type: 'hello' });
    this.sendSnapshot();
    // And our bans and topics, with what we lifted: what changed here while we were cut off
    // reaches the others; what they changed meanwhile is newer, and wins on both sides.
    this.sendSharedState();
    // A broker that restarted without persistence lost the claims: take them again.
    for (const key of this.claimed) {
      this.track(this.transport.claim(claimKey(key), this.hubId, this.presenceTimeout)).then(
        (ok) => {
          if (!ok) this.report(new ClusterUnavailableError(this.transport.name, `nickname '${key}' was claimed by another hub while this one was disconnected`));
        },
        (error: unknown) => {
          this.report(new ClusterUnavailableError(this.transport.name, `could not claim nickname '${key}' again`, error));
        },
      );
    }
  };

  private readonly onDown = (error?: Error): void => {
    if (this.state === 'closed' || this.state === 'disconnected') return;
    this.setStatus('disconnected');
    // Nothing goes out while down (at most once, no unbounded buffering): what waited is dropped,
    // and the senders held back for it are let go.
    this.clearBacklog();
    this.window.reset();
    this.settle();
    if (error !== undefined) this.report(new ClusterUnavailableError(this.transport.name, `connection lost: ${error.message}`, error));
  };

  /** Drops what waits for the budget, counted, with a gap in the numbering. */
  private clearBacklog(): void {
    if (this.drainTimer !== undefined) {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    }
    const waiting = this.backlog.length - this.backlogHead;
    if (waiting === 0) return;
    this.counts.dropped += waiting;
    this.sequence += 1;
    this.backlog = [];
    this.backlogHead = 0;
    this.backlogBytes = 0;
  }

  /**
   * Every heartbeat: a beat out, ahead of anything waiting (with our presence counted when
   * nothing is, and acknowledgements of what we applied), our claims extended, silent hubs
   * dropped, and a snapshot asked of hubs whose presence we may have wrong.
   */
  private readonly beat = (): void => {
    if (this.state !== 'connected') return;
    const nothingWaiting = this.backlogHead === this.backlog.length && this.outbox.length === 0;
    const local = nothingWaiting ? this.host?.localPresence() : undefined;
    const beat: ClusterEvent = local === undefined ? { type: 'beat' } : { type: 'beat', n: local.length, m: local.reduce((sum, peer) => sum + peer.rooms.length, 0) };
    this.sendControl([beat, ...this.dueAcks()]);
    // One refresh at a time: a busy hub's may take longer than a heartbeat, and two at once race
    // each other (NATS updates a key only at the revision it read, so the later one would fail).
    if (this.claimed.size > 0 && !this.refreshing) {
      this.refreshing = true;
      this.track(this.transport.refresh([...this.claimed].map(claimKey), this.hubId, this.presenceTimeout))
        .catch((error: unknown) => {
          this.report(new ClusterUnavailableError(this.transport.name, 'could not refresh nickname claims', error));
        })
        .finally(() => {
          this.refreshing = false;
        });
    }
    const now = Date.now();
    for (const hub of this.presence.silentSince(now - this.presenceTimeout)) this.forgetHub(hub, 'hub unreachable');
    // A snapshot may be on its way already (after our hello, or after its restart): ask only after a whole interval.
    const ask: string[] = [];
    for (const [hub, since] of this.unsynced) {
      if (since > now - this.heartbeatInterval) continue;
      ask.push(hub);
      this.unsynced.set(hub, now);
    }
    if (ask.length > 0) this.publish({ type: 'hello', to: ask });
  };

  /** Our presence, in parts that each fit in a frame of their own. */
  private sendSnapshot(): void {
    if (this.host === undefined) return;
    for (const event of presenceEvents(this.host.localPresence(), this.frameLimit() - frameOverhead(this.hubId, this.epoch))) this.publish(event);
  }

  /**
   * Answers a burst of `hello`s with one snapshot: our presence, then the state we share (bans,
   * topics), so that a hub that joined or came back learns them.
   */
  private sendSnapshotSoon(): void {
    if (this.snapshotPending) return;
    this.snapshotPending = true;
    setImmediate(() => {
      this.snapshotPending = false;
      if (this.state !== 'connected') return;
      this.sendSnapshot();
      this.sendSharedState();
    });
  }

  /** The host's shared state, as events: the flush splits them into frames under the limit like any turn. */
  private sendSharedState(): void {
    let events: ClusterEvent[];
    try {
      events = this.host?.sharedState?.() ?? [];
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    for (const event of events) this.publish(event);
  }

  private forgetHub(hub: string, reason: string): void {
    this.filter.forget(hub);
    this.unsynced.delete(hub);
    this.dropPresence(hub, reason);
    this.forgetFlow(hub);
  }

  /** Forgets what a hub gone (or restarted) was sending and acknowledging. */
  private forgetFlow(hub: string): void {
    this.snapshots.forget(hub);
    this.progress.delete(hub);
    this.window.forget(hub);
    if (this.congested) this.drain();
  }

  /** Forgets a hub's peers, announcing each as having left. */
  private dropPresence(hub: string, reason: string): void {
    for (const peer of this.presence.drop(hub)) this.apply({ type: 'disconnect', nick: peer.nick, rooms: peer.rooms, reason }, hub);
  }

  private apply(event: ClusterEvent, origin: string): void {
    try {
      this.host?.apply(event, origin);
    } catch (error) {
      this.report(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private setStatus(status: AdapterStatus): void {
    if (this.state === status) return;
    this.state = status;
    this.host?.status(status);
  }

  private report(error: Error): void {
    this.host?.error(error);
  }
}

/** Events of one turn that did not reach the broker, and why. */
interface PublishFailure {
  readonly events: number;
  readonly reason: string;
  readonly cause?: unknown;
}

function claimKey(lowerNick: string): string {
  return `nick:${lowerNick}`;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
