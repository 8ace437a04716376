import { randomBytes } from 'node:crypto';
import { DIRECT_KEY_PREFIX } from '../../cluster/history-store.js';

/** One JSON connection's session: the secret it presents to recover, and where its direct messages are kept. */
export interface Session<P> {
  /** What the client is given in its welcome and hands back in its next `hello`. Secret. */
  readonly token: string;
  /** The history stream of its direct messages; it moves to the next session on a recovery. */
  logKey: string;
  /** The connection, while it is open. */
  peer: P | undefined;
  /** When its connection closed, or it was recovered (ms since the epoch); 0 while open. */
  closedAt: number;
  /** Recovered by a later session, which took its log: nothing of it is left to expire. */
  spent: boolean;
  /**
   * The session that recovered it. Its token still leads there for a window: a client whose
   * connection died after the hub read its hello, before it saw the new session in the welcome,
   * presents the old one again, and must still find its direct messages.
   */
  successor: Session<P> | undefined;
}

/** What resuming a session found. */
export type ResumeResult = 'ok' | 'too-old' | 'unknown';

/**
 * The sessions of one hub's JSON clients: each connection gets one in its welcome; a client
 * that comes back within the recovery window presents it to recover what it missed. The token
 * starts with the hub's own tag (so that one from another hub or a restart is told apart) and
 * carries 120 random bits: it stands for the client's direct messages. Closed sessions expire
 * in the order they closed, swept whenever a session opens or closes, so no timer is needed.
 * @internal
 */
export class Sessions<P> {
  private readonly tag: string;
  private readonly window: number;
  private readonly expireLog: (logKey: string) => void;
  private readonly changed: (session: Session<P>) => void;
  private readonly byToken = new Map<string, Session<P>>();
  private readonly byPeer = new Map<P, Session<P>>();
  /** Closed sessions, oldest first: the order they expire in. */
  private closed: Session<P>[] = [];
  private closedHead = 0;
  private logs = 0;

  /**
   * `expireLog` forgets the direct messages of a session that expired; `changed` hears of a
   * session opened, closed or given another log (a store shared by hubs keeps where its token
   * leads, for the others).
   */
  constructor(tag: string, window: number, expireLog: (logKey: string) => void, changed: (session: Session<P>) => void = () => undefined) {
    this.tag = tag;
    this.window = window;
    this.expireLog = expireLog;
    this.changed = changed;
  }

  /** A new session for `peer`. */
  open(peer: P, now: number): Session<P> {
    this.sweep(now);
    this.logs += 1;
    const session: Session<P> = {
      token: `${this.tag}.${randomBytes(15).toString('base64url')}`,
      logKey: `${DIRECT_KEY_PREFIX}${this.tag}-${this.logs.toString(36)}`,
      peer,
      closedAt: 0,
      spent: false,
      successor: undefined,
    };
    this.byToken.set(session.token, session);
    this.byPeer.set(peer, session);
    this.changed(session);
    return session;
  }

  /** The open session of `peer`. */
  of(peer: P): Session<P> | undefined {
    return this.byPeer.get(peer);
  }

  /** `peer`'s connection closed: its session may be recovered until the window passes. */
  close(peer: P, now: number): void {
    const session = this.byPeer.get(peer);
    if (session === undefined) return;
    this.byPeer.delete(peer);
    session.peer = undefined;
    session.closedAt = now;
    this.closed.push(session);
    this.changed(session);
    this.sweep(now);
  }

  /**
   * `peer` presents `token`, the session of an earlier connection (or one that session was
   * recovered by since): if it is this hub's and closed less than the window ago, `peer`'s own
   * session takes over its direct messages, and the old token leads to `peer`'s session for a
   * window. A session whose connection the hub still thinks open (the client came back before
   * the hub saw the old one go) is taken over too: the token is the proof.
   */
  resume(peer: P, token: string, now: number): ResumeResult {
    const mine = this.byPeer.get(peer);
    let old = this.byToken.get(token);
    while (old?.successor !== undefined) old = old.successor;
    if (mine === undefined || old === mine) return 'unknown';
    if (old === undefined) return token.startsWith(`${this.tag}.`) ? 'too-old' : 'unknown';
    if (old.peer !== undefined) {
      this.byPeer.delete(old.peer);
      old.peer = undefined;
      this.closed.push(old);
    } else if (now - old.closedAt > this.window) {
      return 'too-old';
    }
    // The fresh session's own log is empty (the welcome came just before): the old one is kept.
    this.expireLog(mine.logKey);
    mine.logKey = old.logKey;
    old.spent = true;
    old.successor = mine;
    // From now: the old token stays good for a window, leading here.
    old.closedAt = now;
    this.changed(mine);
    return 'ok';
  }

  /**
   * `peer` presents the session of another hub, whose direct messages are in `logKey` of a
   * store the hubs share: `peer`'s own session takes that log over. `false` when `peer` has no
   * session (it is gone).
   */
  adopt(peer: P, logKey: string): boolean {
    const mine = this.byPeer.get(peer);
    if (mine === undefined) return false;
    if (mine.logKey !== logKey) this.expireLog(mine.logKey);
    mine.logKey = logKey;
    this.changed(mine);
    return true;
  }

  /**
   * Forgets sessions closed (or recovered) longer ago than the window: their tokens, and the
   * direct messages of those nobody recovered.
   */
  private sweep(now: number): void {
    while (this.closedHead < this.closed.length) {
      const session = this.closed[this.closedHead];
      if (session !== undefined && now - session.closedAt <= this.window) break;
      this.closed[this.closedHead] = undefined as unknown as Session<P>;
      this.closedHead += 1;
      if (session === undefined || this.byToken.get(session.token) !== session) continue;
      this.byToken.delete(session.token);
      if (!session.spent) this.expireLog(session.logKey);
    }
    if (this.closedHead > 64 && this.closedHead * 2 > this.closed.length) {
      this.closed = this.closed.slice(this.closedHead);
      this.closedHead = 0;
    }
  }
}
