import type { ClientHelloEnvelope, ClientJoinEnvelope, HubEnvelope, SystemEnvelope } from './envelope.js';
import { RecoveryMarks } from './recovery-marks.js';

/** What a client restores on a new connection, kept across failed attempts. */
export interface SavedChat {
  /** The nickname to ask for: the one had, or the one wanted when none was granted. */
  readonly nick: string | undefined;
  /** The rooms to be in again. */
  readonly rooms: readonly string[];
  /** The room to talk in again (`''`: the one the welcome gives). */
  readonly room: string;
  /**
   * The hub's session to present, on a hub that keeps history: the one of the connection that was
   * up, until a later attempt's hello has been read (then that attempt's).
   */
  session: string | undefined;
  /** The room the last welcome put this client in, which the next hello lands in too. */
  readonly defaultRoom: string;
}

/** A first connection's `SavedChat`: the nickname asked for, and nothing to restore or recover. */
export function firstConnection(nick: string | undefined): SavedChat {
  return { nick, rooms: [], room: '', session: undefined, defaultRoom: '' };
}

/** What a client says in every hello and restoring join. */
export interface HelloOptions {
  /** Credentials for a hub with `authenticate`. */
  readonly token: string | undefined;
  /** Messages of history to ask for in each room joined (0: none). */
  readonly history: number;
  /** Whether a restore asks to recover what was missed, on a hub that gave a session. */
  readonly recover: boolean;
}

/**
 * What a JSON chat client knows of its place in the chat, from what the hub tells it: its
 * nickname, the rooms it is in and the one it talks in, the room and history session of its
 * last welcome, and where a recovery of each room would start (`marks`); and the hello and
 * joins that restore it on a new connection. `JsonChatClient` and `BrowserChatClient` hand it
 * every envelope before they make events of it.
 * @internal
 */
export class ClientChatState {
  /** The nickname, once welcomed; `''` before. */
  nick = '';
  /** The room this client talks in. */
  room = '';
  /** The rooms this client is in. */
  readonly rooms = new Set<string>();
  /** The session of the current connection's welcome, on a hub that keeps history. */
  session: string | undefined;
  /** The room the last welcome put this client in. */
  defaultRoom = '';
  /**
   * Where a recovery starts in each room and the direct messages, and the last ids seen there: a
   * recovery from a store that hubs share may send some again (see docs/reliability.md), and
   * they are dropped, so that each message comes once.
   */
  marks = new RecoveryMarks();
  private readonly options: HelloOptions;

  constructor(options: HelloOptions) {
    this.options = options;
  }

  /** Follows what `envelope` says of this client: its welcome, its joins and leaves, its new name. */
  track(envelope: HubEnvelope): void {
    switch (envelope.type) {
      case 'system':
        if (envelope.nick !== undefined && this.nick === '') {
          // The welcome: this connection's name, room and (on a hub with history) session.
          this.nick = envelope.nick;
          this.session = envelope.session;
          if (envelope.room !== undefined) {
            this.rooms.add(envelope.room);
            this.room = envelope.room;
            this.defaultRoom = envelope.room;
            this.marks.cameIn(envelope.room, envelope.last);
          }
        }
        return;
      case 'join':
        if (envelope.nick === this.nick) {
          this.rooms.add(envelope.room);
          this.room = envelope.room;
          // Where a recovery of the room starts until a message is seen there.
          this.marks.cameIn(envelope.room, envelope.last);
        }
        return;
      case 'leave':
        if (envelope.nick === this.nick) {
          this.rooms.delete(envelope.room);
          // What was said there while this client was out is not its to recover.
          this.marks.left(envelope.room);
          if (this.room === envelope.room) this.room = [...this.rooms].at(-1) ?? '';
        }
        return;
      case 'nick':
        if (envelope.from === this.nick) this.nick = envelope.nick;
        return;
      default:
        return;
    }
  }

  /** What to restore on a new connection; `wantedNick` stands for a name never granted. */
  save(wantedNick: string | undefined): SavedChat {
    return { nick: this.nick === '' ? wantedNick : this.nick, rooms: [...this.rooms], room: this.room, session: this.session, defaultRoom: this.defaultRoom };
  }

  /** A new connection starts from its welcome: no name, no rooms yet (the marks stay, for its recovery). */
  forgetConnection(): void {
    this.nick = '';
    this.rooms.clear();
    this.room = '';
  }

  /**
   * A client connected again after it ended (`connect()` after `close()`) starts afresh: nothing
   * of the old connections is recovered, and the ids they saw do not hide a new replay's messages.
   */
  reset(): void {
    this.forgetConnection();
    this.session = undefined;
    this.defaultRoom = '';
    this.marks = new RecoveryMarks();
  }

  /**
   * The hello of a connection: the nickname `saved` has, the credentials, and after a
   * reconnection to a hub that gave a session, what to recover: the direct messages, and the
   * room the hello lands in if this client was in it.
   */
  hello(saved: SavedChat): ClientHelloEnvelope {
    const hello: ClientHelloEnvelope = saved.nick === undefined ? { v: 1, type: 'hello' } : { v: 1, type: 'hello', nick: saved.nick };
    if (this.options.token !== undefined) hello.token = this.options.token;
    if (this.options.history > 0) hello.history = this.options.history;
    const session = saved.session;
    if (!this.options.recover || session === undefined) return hello;
    hello.session = session;
    if (this.marks.afterDirect !== undefined) hello.afterDirect = this.marks.afterDirect;
    const after = saved.rooms.includes(saved.defaultRoom) ? this.marks.after(saved.defaultRoom) : undefined;
    if (after !== undefined) hello.after = after;
    return hello;
  }

  /** Whether restoring `saved` asks to recover what was missed (decided once per restore: the hello's answer changes which session is kept, not this). */
  recovers(saved: SavedChat): boolean {
    return this.options.recover && saved.session !== undefined;
  }

  /** The join of a restore: with the last id seen there when the restore's hello asked to recover. */
  restoringJoin(room: string, recovering: boolean): ClientJoinEnvelope {
    const join: ClientJoinEnvelope = { v: 1, type: 'join', room };
    if (this.options.history > 0) join.history = this.options.history;
    const after = recovering ? this.marks.after(room) : undefined;
    if (after !== undefined) join.after = after;
    return join;
  }
}

/**
 * Whether `envelope` ends the recovery of direct messages (a replay notice without a room): the
 * hub has then read the new connection's hello, so the session of its welcome holds what the old
 * one held. A restore that fails after it presents the new session; one that fails before, the old.
 */
export function endsDirectRecovery(envelope: SystemEnvelope): boolean {
  return envelope.replayed !== undefined && envelope.room === undefined;
}
