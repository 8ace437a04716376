import { randomBytes } from 'node:crypto';
import type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, RemotePeer } from './adapter.js';
import { DEFAULT_MAX_FRAME_BYTES, type BrokerTransport } from './broker-transport.js';
import { ClusterUnavailableError } from './cluster-error.js';
import { PresenceTable } from './presence-table.js';
import { SequenceFilter } from './sequence-filter.js';
import { decodeFrame, encodeFrame, encodeFrameOf, frameOverhead, framePrefix } from './wire.js';

/** Default milliseconds between heartbeats (presence snapshot and nickname claims refreshed). */
export const DEFAULT_HEARTBEAT_INTERVAL = 5000;
/** Default milliseconds after which a silent hub's peers are dropped and its nicknames freed. */
export const DEFAULT_PRESENCE_TIMEOUT = 15_000;

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
}

/**
 * A `ClusterAdapter` on any publish/subscribe broker: every hub publishes numbered frames on
 * one channel through one connection, so each hub's frames (and so each sender's messages)
 * reach every other hub in order; a hub skips its own frames and any it has seen. Presence
 * travels as events plus a full snapshot every heartbeat; nicknames are claimed as broker keys
 * with a time to live that the heartbeat extends.
 */
export class BrokerAdapter implements ClusterAdapter {
  readonly hubId: string;
  private readonly transport: BrokerTransport;
  private readonly heartbeatInterval: number;
  private readonly presenceTimeout: number;
  private readonly filter = new SequenceFilter();
  private readonly presence = new PresenceTable();
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
  /** This adapter's run: a hub restarted under a fixed `hubId` numbers its frames from 1 again. */
  private readonly epoch = randomBytes(6).toString('base64url');
  private sequence = 0;
  private snapshotPending = false;
  /** Events of this event-loop turn, published together at its end. */
  private outbox: ClusterEvent[] = [];
  private counts = { published: 0, dropped: 0, received: 0, duplicates: 0 };

  constructor(transport: BrokerTransport, options: BrokerAdapterOptions = {}) {
    this.transport = transport;
    this.hubId = options.hubId ?? randomBytes(8).toString('hex');
    this.ownPrefix = framePrefix(this.hubId);
    this.heartbeatInterval = positive('heartbeatInterval', options.heartbeatInterval ?? DEFAULT_HEARTBEAT_INTERVAL);
    this.presenceTimeout = positive('presenceTimeout', options.presenceTimeout ?? DEFAULT_PRESENCE_TIMEOUT);
    if (this.presenceTimeout < 2 * this.heartbeatInterval) throw new RangeError('presenceTimeout must be at least twice heartbeatInterval');
  }

  get status(): AdapterStatus {
    return this.state;
  }

  /** What crossed the broker so far. */
  get stats(): BrokerAdapterStats {
    return { ...this.counts, missed: this.filter.missed };
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

  publish(event: ClusterEvent): void {
    if (this.state === 'closed') return;
    if (this.outbox.length === 0) queueMicrotask(this.flush);
    this.outbox.push(event);
  }

  /**
   * Sends the turn's events as one frame, or as several in order when they are too big for one
   * broker message (a burst of short lines is easily a megabyte of events). Every frame is
   * numbered even when it cannot be sent, so that the others see the gap.
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
    const limit = this.transport.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    const whole = encodeFrame(this.hubId, this.epoch, this.sequence + 1, events);
    // A UTF-16 unit is at most three bytes of UTF-8: most turns skip counting them.
    const failure = whole.length * 3 <= limit || Buffer.byteLength(whole) <= limit ? this.send(whole, events.length) : this.sendSplit(events, limit);
    if (failure !== undefined) this.report(new ClusterUnavailableError(this.transport.name, `could not publish ${failure.events} of ${events.length} events: ${failure.reason}`, failure.cause));
  };

  /** Packs the events greedily into frames of at most `limit` bytes; one event too big alone is dropped. */
  private sendSplit(events: readonly ClusterEvent[], limit: number): PublishFailure | undefined {
    const overhead = frameOverhead(this.hubId, this.epoch);
    let failure: PublishFailure | undefined;
    const note = (more: PublishFailure | undefined): void => {
      if (more !== undefined) failure = failure === undefined ? more : { ...failure, events: failure.events + more.events };
    };
    let parts: string[] = [];
    let bytes = overhead;
    const sendParts = (): void => {
      if (parts.length === 0) return;
      note(this.send(encodeFrameOf(this.hubId, this.epoch, this.sequence + 1, parts), parts.length));
      parts = [];
      bytes = overhead;
    };
    for (const event of events) {
      const part = JSON.stringify(event);
      const size = Buffer.byteLength(part);
      if (overhead + size > limit) {
        sendParts();
        this.sequence += 1;
        this.counts.dropped += 1;
        note({ events: 1, reason: `an event of ${size} bytes does not fit in a ${limit}-byte frame` });
        continue;
      }
      if (parts.length > 0 && bytes + 1 + size > limit) sendParts();
      bytes += (parts.length > 0 ? 1 : 0) + size;
      parts.push(part);
    }
    sendParts();
    return failure;
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
    const key = nick.toLowerCase();
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
    const key = nick.toLowerCase();
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
      this.publish({ type: 'bye' });
      this.flush();
      await Promise.allSettled([...this.claimed].map((key) => this.transport.release(claimKey(key), this.hubId)));
    }
    this.claimed.clear();
    this.setStatus('closed');
    await this.transport.close();
  }

  private readonly onFrame = (text: string): void => {
    // Every hub hears its own frames on the shared channel: skipped before the cost of parsing.
    if (this.state === 'closed' || text.startsWith(this.ownPrefix)) return;
    const frame = decodeFrame(text);
    if (frame === undefined || frame.o === this.hubId) return;
    const verdict = this.filter.accept(frame.o, frame.r ?? '', frame.s);
    if (verdict === 'old') {
      this.counts.duplicates += 1;
      return;
    }
    // The same id in a new process: the peers of the old one are gone, whatever it said last.
    if (verdict === 'restart') this.dropPresence(frame.o, 'hub restarted');
    this.counts.received += frame.e.length;
    const now = Date.now();
    this.presence.touch(frame.o, now);
    for (const event of frame.e) this.receive(frame.o, event, now);
  };

  private receive(origin: string, event: ClusterEvent, now: number): void {
    switch (event.type) {
      case 'presence':
        this.presence.replace(origin, event.peers, now);
        return;
      case 'hello':
        this.sendSnapshotSoon();
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

  private readonly onUp = (): void => {
    if (this.state === 'closed') return;
    this.setStatus('connected');
    // While down, the others' events were lost: ask for their presence, give ours, and give
    // every hub a full timeout to be heard from again before it counts as dead.
    this.presence.touchAll(Date.now());
    this.publish({ type: 'hello' });
    this.sendSnapshot();
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
    if (error !== undefined) this.report(new ClusterUnavailableError(this.transport.name, `connection lost: ${error.message}`, error));
  };

  /** Every heartbeat: our presence out, our claims extended, silent hubs dropped. */
  private readonly beat = (): void => {
    if (this.state !== 'connected') return;
    this.sendSnapshot();
    if (this.claimed.size > 0) {
      this.track(this.transport.refresh([...this.claimed].map(claimKey), this.hubId, this.presenceTimeout)).catch((error: unknown) => {
        this.report(new ClusterUnavailableError(this.transport.name, 'could not refresh nickname claims', error));
      });
    }
    for (const hub of this.presence.silentSince(Date.now() - this.presenceTimeout)) this.forgetHub(hub, 'hub unreachable');
  };

  private sendSnapshot(): void {
    if (this.host !== undefined) this.publish({ type: 'presence', peers: this.host.localPresence() });
  }

  /** Answers a burst of `hello`s with one snapshot. */
  private sendSnapshotSoon(): void {
    if (this.snapshotPending) return;
    this.snapshotPending = true;
    setImmediate(() => {
      this.snapshotPending = false;
      if (this.state === 'connected') this.sendSnapshot();
    });
  }

  private forgetHub(hub: string, reason: string): void {
    this.filter.forget(hub);
    this.dropPresence(hub, reason);
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
