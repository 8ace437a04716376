import type { WebSocket } from 'ws';

/**
 * The WebSocket heartbeat: one unref'd timer for every WebSocket of a door (not one per
 * connection). Every interval each WebSocket is sent a WebSocket ping, which browsers answer by
 * themselves; one that has not answered the previous ping by then is reported dead.
 * @internal
 */
export class PingSweeper {
  private readonly intervalMs: number;
  private readonly dead: (socket: WebSocket) => void;
  /** Each WebSocket watched, and whether it answered the last ping. */
  private readonly answered = new Map<WebSocket, boolean>();
  private timer: NodeJS.Timeout | undefined;

  /** `intervalMs` 0 turns the heartbeat off. */
  constructor(intervalMs: number, dead: (socket: WebSocket) => void) {
    this.intervalMs = intervalMs;
    this.dead = dead;
  }

  /** Starts pinging `socket`. */
  watch(socket: WebSocket): void {
    if (this.intervalMs === 0) return;
    this.answered.set(socket, true);
    socket.on('pong', onPong);
    (socket as PingedSocket)[SWEEPER] = this;
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Stops watching a WebSocket that is gone. */
  forget(socket: WebSocket): void {
    if (!this.answered.delete(socket)) return;
    socket.off('pong', onPong);
    if (this.answered.size === 0) this.stop();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** @internal */
  pong(socket: WebSocket): void {
    if (this.answered.has(socket)) this.answered.set(socket, true);
  }

  private readonly sweep = (): void => {
    for (const [socket, answered] of this.answered) {
      if (!answered) {
        this.forget(socket);
        this.dead(socket);
        continue;
      }
      this.answered.set(socket, false);
      try {
        socket.ping();
      } catch {
        // Not open any more: its close is on its way and will forget it.
      }
    }
  };
}

/** The sweeper a WebSocket is watched by, kept on the socket so that one `pong` listener serves all. */
const SWEEPER = Symbol('broadcast-chat.ping-sweeper');

type PingedSocket = WebSocket & { [SWEEPER]?: PingSweeper };

function onPong(this: PingedSocket): void {
  this[SWEEPER]?.pong(this);
}
