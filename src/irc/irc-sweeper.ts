import { MAX_SWEEP_INTERVAL_MS } from '../defaults.js';
import { seconds } from '../protocol/farewell.js';
import { ircLines } from '../protocol/irc-lines.js';
import type { ResolvedIrcOptions } from './irc-options.js';
import type { IrcSession } from './irc-session.js';

/** The shortest sweep interval, however short the timeouts. */
const MIN_SWEEP_INTERVAL_MS = 10;

/**
 * The door's one timer: it closes connections that have not registered within
 * `registrationTimeout`, and every `heartbeatInterval` sends each registered client a PING,
 * closing one that did not answer the previous one (reason `heartbeat`). The hub's own
 * heartbeat pings JSON peers only; IRC has its PING, so the door keeps the beat for its own.
 * One unref'd interval for all, started with the first connection and stopped with the last.
 * @internal
 */
export class IrcSweeper<D> {
  private readonly sessions: ReadonlySet<IrcSession<D>>;
  private readonly options: ResolvedIrcOptions;
  private readonly intervalMs: number;
  private readonly beatTicks: number;
  private readonly ping: Buffer;
  private readonly heartbeatWords: string;
  private readonly registrationWords: string;
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;

  constructor(sessions: ReadonlySet<IrcSession<D>>, options: ResolvedIrcOptions) {
    this.sessions = sessions;
    this.options = options;
    const enabled = [options.registrationTimeout, options.heartbeatInterval].filter((ms) => ms > 0);
    // A quarter of the shortest limit: each is acted on within 25% of its value.
    this.intervalMs = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(...enabled) / 4));
    this.beatTicks = options.heartbeatInterval > 0 ? Math.max(1, Math.round(options.heartbeatInterval / this.intervalMs)) : 0;
    this.ping = Buffer.from(ircLines({ verb: 'PING', trailing: options.serverName }), 'utf8');
    this.heartbeatWords = `no answer to PING within ${seconds(options.heartbeatInterval)}`;
    this.registrationWords = `registration timed out (${seconds(options.registrationTimeout)})`;
  }

  /** A connection arrived: make sure the timer runs. */
  watch(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(this.sweep, this.intervalMs);
    this.timer.unref();
  }

  /** A connection left: stop the timer when it was the last. */
  forget(): void {
    if (this.sessions.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly sweep = (): void => {
    this.tick += 1;
    const beat = this.beatTicks > 0 && this.tick % this.beatTicks === 0;
    const now = Date.now();
    for (const session of this.sessions) {
      const peer = session.peer;
      if (peer?.isOpen !== true) continue;
      if (!session.registered) {
        if (now - session.startedAt >= this.options.registrationTimeout) peer.close('timeout', this.registrationWords);
        continue;
      }
      if (!beat) continue;
      if (session.awaitingPong) {
        peer.close('heartbeat', this.heartbeatWords);
        continue;
      }
      // One frame for every client, the same bytes.
      if (peer.deliver(this.ping)) session.awaitingPong = true;
    }
  };
}
