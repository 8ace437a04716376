import { MAX_SWEEP_INTERVAL_MS } from '../defaults.js';
import { seconds, type Farewell } from '../protocol/farewell.js';
import type { ResolvedLimits } from './limits/limit-options.js';
import { SlowConsumerError } from '../errors.js';
import type { Peer, PeerHost } from './peer.js';
import { pingEnvelope } from '../protocol/control-frames.js';

/** The shortest sweep interval, however short the timeouts: a timer firing faster costs CPU and buys no precision. */
const MIN_SWEEP_INTERVAL_MS = 10;

/**
 * What the sweeper knows of one peer, in sweep ticks (small integers, so V8 keeps them
 * unboxed: a few dozen bytes per peer and no timer of its own).
 */
class Watch {
  /** `peer.bytesIn` at the last sweep. */
  bytesIn = 0;
  /** The last tick input arrived (or the peer connected). */
  activeTick: number;
  /** `peer.messagesIn` when the current unfinished message was first seen. */
  messagesIn = 0;
  /** The tick an unfinished message was first seen, or -1. */
  partialTick = -1;
  /** The tick the peer went over the soft output cap, or -1. */
  softTick = -1;
  /** The tick of the ping it has not answered yet, or 0. */
  pingTick = 0;

  constructor(tick: number) {
    this.activeTick = tick;
  }
}

/**
 * What the sweeper needs from its hub: the reports a slow consumer gets (`clientError`, then
 * `slowConsumer`), as for the hard cap.
 * @internal
 */
export type SweeperHost<D> = Pick<PeerHost<unknown, D>, 'peerError' | 'peerSlow'>;

/**
 * The hub's one liveness timer. Every interval (at most 1 s, shorter when a timeout is set
 * shorter) it walks the peers and cuts those that are idle, that have left a message
 * unfinished too long (slowloris), that stayed over the soft output cap, or that did not
 * answer the last heartbeat ping; and it pings the JSON peers every `heartbeatInterval`.
 *
 * One hub-wide, unref'd interval instead of a timer per peer keeps an idle connection cheap,
 * and nothing here runs per message: activity is read from the peer's counters at each sweep,
 * so the relay's hot path does not even read the clock. The price is precision: a limit is
 * acted on up to one interval after it is passed.
 * @internal
 */
export class LivenessSweeper<D> {
  private readonly host: SweeperHost<D>;
  private readonly limits: ResolvedLimits;
  private readonly watches = new Map<Peer<D>, Watch>();
  /** Sweep period in ms, and each timeout in sweeps (0: off). */
  private readonly intervalMs: number;
  private readonly idleTicks: number;
  private readonly partialTicks: number;
  private readonly softTicks: number;
  private readonly beatTicks: number;
  private readonly farewells: { readonly idle: Farewell; readonly timeout: Farewell; readonly heartbeat: Farewell };
  private timer: NodeJS.Timeout | undefined;
  /** Starts at 1, so that a `pingTick` of 0 can mean "none". */
  private tick = 1;
  /** The `ts` of the current heartbeat round's ping; only a pong echoing it counts. */
  private pingTs = Number.NaN;

  constructor(host: SweeperHost<D>, limits: ResolvedLimits) {
    this.host = host;
    this.limits = limits;
    const soft = limits.softQueuedBytes > 0 ? limits.softQueuedMs : 0;
    const enabled = [limits.idleTimeout, limits.partialMessageTimeout, soft, limits.heartbeatInterval].filter((ms) => ms > 0);
    // A quarter of the shortest timeout: each limit is then acted on within 25% of its value.
    this.intervalMs = enabled.length === 0 ? 0 : Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(...enabled) / 4));
    const ticks = (ms: number): number => (ms > 0 && this.intervalMs > 0 ? Math.max(1, Math.round(ms / this.intervalMs)) : 0);
    this.idleTicks = ticks(limits.idleTimeout);
    this.partialTicks = ticks(limits.partialMessageTimeout);
    // Soft cap 0 s: cut at the first sweep that sees the client over it.
    this.softTicks = limits.softQueuedBytes > 0 ? Math.round(limits.softQueuedMs / Math.max(1, this.intervalMs)) : 0;
    this.beatTicks = ticks(limits.heartbeatInterval);
    this.farewells = {
      idle: { reason: 'idle', message: `no input for ${seconds(limits.idleTimeout)}` },
      timeout: { reason: 'timeout', message: `message left unfinished for ${seconds(limits.partialMessageTimeout)}` },
      heartbeat: { reason: 'heartbeat', message: `no answer to ping within ${seconds(limits.heartbeatInterval)}` },
    };
  }

  /** Whether any liveness limit is on. */
  get enabled(): boolean {
    return this.intervalMs > 0;
  }

  /** Starts watching a new peer. */
  watch(peer: Peer<D>): void {
    if (!this.enabled) return;
    this.watches.set(peer, new Watch(this.tick));
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops watching a peer that is gone. */
  forget(peer: Peer<D>): void {
    if (!this.watches.delete(peer) || this.watches.size > 0) return;
    this.stop();
  }

  /** A JSON peer answered a ping. Only an answer to the current round's ping counts: a replayed or unsolicited pong changes nothing. */
  pong(peer: Peer<D>, ts: number): void {
    const watch = this.watches.get(peer);
    if (watch !== undefined && watch.pingTick !== 0 && ts === this.pingTs) watch.pingTick = 0;
  }

  /** Stops the timer (the hub is closing). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly sweep = (): void => {
    const tick = (this.tick += 1);
    const beat = this.beatTicks > 0 && tick % this.beatTicks === 0;
    let ping: Buffer | undefined;
    for (const [peer, watch] of this.watches) {
      if (!peer.isOpen) continue;
      if (this.limits.softQueuedBytes > 0 && this.overSoftCap(peer, watch, tick)) continue;
      if (peer.isReadingPaused) {
        // The hub stopped reading (flood control, busy handlers): its silence is ours, and
        // the rest of its message or its pong may be waiting in the socket.
        watch.activeTick = tick;
        watch.partialTick = -1;
        watch.pingTick = 0;
        continue;
      }
      const bytesIn = peer.bytesIn;
      const arrived = bytesIn !== watch.bytesIn;
      if (arrived) {
        watch.bytesIn = bytesIn;
        watch.activeTick = tick;
      } else if (this.idleTicks > 0 && tick - watch.activeTick >= this.idleTicks) {
        this.cut(peer, this.farewells.idle);
        continue;
      }
      if (this.partialTicks > 0 && this.leftUnfinished(peer, watch, tick, arrived)) {
        this.cut(peer, this.farewells.timeout);
        continue;
      }
      if (beat && speaksHeartbeat(peer)) {
        if (watch.pingTick !== 0) {
          this.cut(peer, this.farewells.heartbeat);
          continue;
        }
        // One frame per round, the same bytes for every JSON peer.
        if (ping === undefined) {
          this.pingTs = Date.now();
          ping = peer.frameEncoder.encode(pingEnvelope(this.pingTs));
        }
        if (peer.deliver(ping)) watch.pingTick = tick;
      }
    }
  };

  /** Tracks the soft output cap; returns whether the peer was cut. */
  private overSoftCap(peer: Peer<D>, watch: Watch, tick: number): boolean {
    const queued = peer.bytesQueued;
    if (queued <= this.limits.softQueuedBytes) {
      watch.softTick = -1;
      return false;
    }
    if (watch.softTick === -1) watch.softTick = tick;
    if (tick - watch.softTick < this.softTicks) return false;
    this.host.peerError(peer, new SlowConsumerError(queued, this.limits.softQueuedBytes));
    this.host.peerSlow(peer, queued);
    // Cut, not closed: a client that does not read would not take a goodbye either.
    peer.destroy('slow-consumer');
    return true;
  }

  /**
   * Whether the peer has been in the middle of a message, with none completed, for the
   * partial-message timeout: it holds an unfinished message, or it keeps sending bytes that
   * complete none (the rest of an oversized line being skipped, say, which holds nothing).
   */
  private leftUnfinished(peer: Peer<D>, watch: Watch, tick: number, arrived: boolean): boolean {
    const messagesIn = peer.messagesIn;
    const held = peer.bytesBuffered > 0;
    if (messagesIn !== watch.messagesIn) {
      // A message completed since: whatever is held now is a new one.
      watch.messagesIn = messagesIn;
      watch.partialTick = held ? tick : -1;
      return false;
    }
    if (!held && !arrived) {
      watch.partialTick = -1;
      return false;
    }
    if (watch.partialTick === -1) {
      watch.partialTick = tick;
      return false;
    }
    return tick - watch.partialTick >= this.partialTicks;
  }

  private cut(peer: Peer<D>, farewell: Farewell): void {
    peer.close(farewell.reason, farewell.message);
  }
}

/** Whether the hub pings `peer`: JSON peers only (`json` framing, or `mixed` peers detected as JSON). Text peers rely on TCP keepalive. */
function speaksHeartbeat<D>(peer: Peer<D>): boolean {
  return peer.framing === 'json';
}
