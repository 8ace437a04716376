import { randomBytes } from 'node:crypto';
import type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, RemotePeer } from '../adapter.js';
import type { BrokerTransport } from './broker-transport.js';
import { ClusterUnavailableError } from './cluster-error.js';
import { PresenceTable } from './presence-table.js';
import { SequenceFilter } from './sequence-filter.js';
import { decodeFrame, encodeFrame, framePrefix } from './wire.js';

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
  /** This hub's id in the cluster. Default: random. Must be unique among the hubs. */
  hubId?: string;
}

/** Counters of what crossed the broker, for monitoring and tests. */
export interface BrokerAdapterStats {
  /** Events handed to the broker. */
  readonly published: number;
  /** Events not sent because the broker was unreachable (at-most-once: they are lost). */
  readonly dropped: number;
  /** Events from other hubs applied here. */
  readonly received: number;
  /** Frames (batches of events) from other hubs seen twice, and dropped. */
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
  private host: AdapterHost | undefined;
  private state: AdapterStatus = 'connecting';
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly ownPrefix: string;
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

  /** Sends the turn's events as one frame; numbered even when it cannot be sent, so that the others see the gap. */
  private readonly flush = (): void => {
    const events = this.outbox;
    if (events.length === 0) return;
    this.outbox = [];
    this.sequence += 1;
    if (this.state === 'connected' && this.transport.publish(encodeFrame(this.hubId, this.sequence, events))) this.counts.published += events.length;
    else this.counts.dropped += events.length;
  };

  async claimNick(nick: string): Promise<boolean> {
    const key = nick.toLowerCase();
    if (this.claimed.has(key)) return true;
    if (this.state !== 'connected') throw new ClusterUnavailableError(this.transport.name, `cannot check nickname '${nick}' with the other hubs: the broker is unreachable`);
    let ok: boolean;
    try {
      ok = await this.transport.claim(claimKey(key), this.hubId, this.presenceTimeout);
    } catch (error) {
      throw new ClusterUnavailableError(this.transport.name, `could not claim nickname '${nick}'`, error);
    }
    if (ok) this.claimed.add(key);
    return ok;
  }

  releaseNick(nick: string): void {
    const key = nick.toLowerCase();
    if (!this.claimed.delete(key) || this.state !== 'connected') return;
    this.transport.release(claimKey(key), this.hubId).catch((error: unknown) => {
      this.report(new ClusterUnavailableError(this.transport.name, `could not release nickname '${nick}'`, error));
    });
  }

  findNick(nick: string): RemotePeer | undefined {
    return this.presence.find(nick);
  }

  remotePeers(): RemotePeer[] {
    return this.presence.all();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.timer !== undefined) clearInterval(this.timer);
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
    if (!this.filter.accept(frame.o, frame.s)) {
      this.counts.duplicates += 1;
      return;
    }
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
      this.transport.claim(claimKey(key), this.hubId, this.presenceTimeout).then(
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
      this.transport.refresh([...this.claimed].map(claimKey), this.hubId, this.presenceTimeout).catch((error: unknown) => {
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

function claimKey(lowerNick: string): string {
  return `nick:${lowerNick}`;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
