import { InvalidUtf8Error, MessageTooLargeError } from '../errors.js';
import type { BroadcastHub } from '../hub/hub.js';
import { TokenBucket } from '../hub/limits/token-bucket.js';
import type { ReplayFraming } from '../hub/history/chat-history.js';
import { MAX_ROOMS_PER_PEER } from '../hub/membership.js';
import type { Peer } from '../hub/peer.js';
import { classify, type InputKind } from '../protocol/classify.js';
import type { Decoder, DecoderOptions, InvalidUtf8Policy } from '../protocol/codec.js';
import type { ChatEvent, ErrorEnvelope, LeaveEnvelope, MessageEnvelope, TopicEnvelope } from '../protocol/envelope.js';
import type { Farewell } from '../protocol/farewell.js';
import { inertText } from '../protocol/inert-text.js';
import { IRC_MAX_LINE_BYTES, IrcLineDecoder, type IrcLineSink } from '../protocol/irc-line-decoder.js';
import { ircLines } from '../protocol/irc-lines.js';
import { IrcNumeric } from '../protocol/irc-numerics.js';
import { ircChannel, ircDirectMessage, ircHistoryLines, ircJoin, ircKick, ircPart, ircTimeTag, ircTopic, ircUserSource } from '../protocol/irc-render.js';
import { namesLines, numericLine, serverNotice, welcomeBurst, type IrcServerInfo } from '../protocol/irc-replies.js';
import { roomProblem } from '../protocol/names.js';
import type { Protocol } from '../protocol/protocol.js';
import type { IrcFrames } from './irc-frames.js';
import type { IrcCapability, ResolvedIrcOptions } from './irc-options.js';

/**
 * What a session needs from its door.
 * @internal
 */
export interface IrcDoorContext<D> {
  readonly hub: BroadcastHub<unknown, D>;
  readonly options: ResolvedIrcOptions;
  readonly info: IrcServerInfo;
  readonly frames: IrcFrames<D>;
  /** The IRC session of a peer, if it is one of this door's. */
  sessionOf(peer: Peer<D>): IrcSession<D> | undefined;
  /** Runs a command line the session decoded (the door's dispatch table). */
  dispatch(session: IrcSession<D>, line: string): void;
  /** The session's socket closed. */
  gone(session: IrcSession<D>): void;
  /** Something of ours failed on this connection: reported as the hub's `clientError`. */
  failed(session: IrcSession<D>, error: unknown): void;
}

/**
 * Where a connection is in its registration: collecting CAP, PASS, NICK and USER; waiting for
 * the hub's answer to its nickname (and credentials); or welcomed (001 sent), a chat user like
 * any other.
 */
export type Registration = 'registering' | 'waiting' | 'registered';

/** The command being handed to the hub, so that the hub's answer can be said as the numeric it calls for. */
export interface IrcCommandContext {
  /** The IRC verb, upper-case (`JOIN`, `PRIVMSG`...). */
  readonly verb: string;
  /** What it was about: a channel, a nick, a command name. */
  readonly target: string;
}

/**
 * One IRC connection: its protocol object (each connection has its own, since replies name
 * the client) and its state: registration, capabilities, nickname as the client knows it,
 * away message. Lines come in through `onLine` (from its `IrcLineDecoder`) and go to the
 * door's dispatch; chat events come out through `render`, broadcast ones from the door's
 * shared frames. What the hub must decide (names, rooms, messages, credentials) is handed to
 * it as what the JSON protocol would send: a `hello` envelope at the end of registration,
 * `message` and `direct` envelopes, slash commands; its answers come back as chat events.
 * @internal
 */
export class IrcSession<D> implements Protocol<unknown>, IrcLineSink, ReplayFraming {
  readonly name = 'irc';
  readonly delimited = true;
  readonly perConnection = true;
  readonly door: IrcDoorContext<D>;
  /** When the connection started, for the registration timeout (ms since the epoch). */
  readonly startedAt = Date.now();
  invalidUtf8: InvalidUtf8Policy | undefined;
  /** Set once the hub has accepted the connection. */
  peer: Peer<D> | undefined;
  state: Registration = 'registering';
  /** The nickname as the client knows it: `*` until it is welcomed. */
  nick = '*';
  /** The nickname asked for with NICK, before registration. */
  wantedNick: string | undefined;
  /** The USER command's user name and real name, once given. */
  user: { readonly username: string; readonly realname: string } | undefined;
  /** The PASS command's password, for the hub's `authenticate` hook. */
  password: string | undefined;
  /** A `CAP LS` or `CAP REQ` came before registration: wait for `CAP END`. */
  negotiating = false;
  readonly capabilities = new Set<IrcCapability>();
  /** The AWAY message, while away. */
  away: string | undefined;
  /** User mode `+i`: accepted and shown, it changes nothing here. */
  invisible = false;
  /** A PING of the door's heartbeat is unanswered. */
  awaitingPong = false;
  private sink: DecoderOptions<unknown> | undefined;
  /** The hub's welcome (its greeting) has been rendered for this connection. */
  private welcomed = false;
  /** The command being handed to the hub, if any, and what the hub said about it. */
  private context: IrcCommandContext | undefined;
  /** What the hub did with the input being handed to it: refused it, or echoed it itself. */
  private outcome = { refused: false, echoed: false };
  /** The nick of the last QUIT shown: a leaver's other rooms say the same, and IRC shows it once. */
  private lastQuit: string | undefined;
  /** Topics shown with this client's own JOIN (332), by room and time: the hub's topic-on-join that follows is the same one. */
  private readonly topicsShown = new Map<string, number>();

  /** Replays of the history asked for before the client was welcomed: shown right after its welcome. */
  private readonly pendingReplays: (() => void)[] = [];
  /** The last `chathistory` batch reference handed out on this connection. */
  private batches = 0;

  /** The allowance of queries the door answers itself, if they are limited. */
  private readonly queries: TokenBucket | undefined;

  constructor(door: IrcDoorContext<D>) {
    this.door = door;
    const rate = door.options.queryRate;
    this.queries = rate === undefined ? undefined : new TokenBucket({ burst: rate.burst, ratePerSecond: rate.rate });
  }

  /** The hub this connection is served by. */
  get hub(): BroadcastHub<unknown, D> {
    return this.door.hub;
  }

  /** The client has been welcomed. */
  get registered(): boolean {
    return this.state === 'registered';
  }

  /** How this client appears as a source: `alice!alice@host`. */
  get source(): string {
    return ircUserSource(this.nick, this.door.options.userHost);
  }

  // ---- Protocol ----

  createDecoder(options: DecoderOptions<unknown>): Decoder {
    this.sink = options;
    this.invalidUtf8 = options.invalidUtf8;
    return new IrcLineDecoder(this, options.maxMessageBytes);
  }

  classify(message: unknown): InputKind {
    return classify(message);
  }

  /** Text the application sends this client (`peer.send()`, `hub.broadcast()`) arrives as a notice from the server. */
  encode(message: unknown): Buffer {
    const text = typeof message === 'string' ? message : message instanceof Uint8Array ? Buffer.from(message).toString('utf8') : '';
    return Buffer.from(serverNotice(this.door.options.serverName, this.nick, text.replace(/\r?\n$/, '')), 'utf8');
  }

  render(event: ChatEvent): Buffer | undefined {
    try {
      return this.renderEvent(event);
    } catch (error) {
      // A bug here must not break the relay to everyone else.
      this.door.failed(this, error);
      return undefined;
    }
  }

  /** Why the hub closes this connection, as IRC says it: `ERROR`, after a 464 when credentials were refused. */
  farewell(farewell: Farewell): Buffer {
    let text = '';
    if (farewell.reason === 'auth-failed') text += numericLine(this.door.options.serverName, IrcNumeric.ERR_PASSWDMISMATCH, this.nick, [], inertText(farewell.message));
    if (farewell.reason === 'banned') text += numericLine(this.door.options.serverName, IrcNumeric.ERR_YOUREBANNEDCREEP, this.nick, [], inertText(farewell.message));
    text += this.closingLink(farewell.message);
    return Buffer.from(text, 'utf8');
  }

  /** A connection turned away at the door hears `ERROR` with the reason. */
  refusal(farewell: Farewell): Buffer {
    // A banned client is told so as IRC says it (465) before the link closes.
    const banned = farewell.reason === 'banned' ? numericLine(this.door.options.serverName, IrcNumeric.ERR_YOUREBANNEDCREEP, '*', [], inertText(farewell.message)) : '';
    return Buffer.from(banned + ircLines({ verb: 'ERROR', trailing: `Closing Link: (${inertText(farewell.message)})` }), 'utf8');
  }

  // ---- IrcLineSink ----

  onLine(line: string): void {
    if (this.peer?.isOpen !== true) return;
    try {
      this.door.dispatch(this, line);
    } catch (error) {
      this.door.failed(this, error);
    }
  }

  onTooLong(bytes: number): void {
    if (this.peer?.isOpen !== true) return;
    this.numeric(IrcNumeric.ERR_INPUTTOOLONG, [], 'Input line was too long');
    // Reported to the hub too (`clientError`), whose `oversizedMessage` policy then applies.
    this.sink?.onError(new MessageTooLargeError(bytes, IRC_MAX_LINE_BYTES));
  }

  onInvalidUtf8(): void {
    this.sink?.onError(new InvalidUtf8Error());
  }

  onDispose(): void {
    this.door.gone(this);
  }

  // ---- what commands use ----

  /** The hub accepted the connection as `peer`. */
  attach(peer: Peer<D>): void {
    this.peer = peer;
  }

  /** Queues lines for this client (nothing once it is closing). */
  send(text: string): void {
    if (text !== '') this.peer?.deliver(Buffer.from(text, 'utf8'));
  }

  /** Sends a numeric reply to this client. */
  numeric(code: string, middle: readonly string[] = [], trailing?: string): void {
    this.send(numericLine(this.door.options.serverName, code, this.nick, middle, trailing));
  }

  /** Sends a notice from the server to this client. */
  notice(text: string): void {
    this.send(serverNotice(this.door.options.serverName, this.nick, text));
  }

  /** The `@time=` tag for an event at `ts`, when the client asked for `server-time`. */
  timeTag(ts: number): string | undefined {
    return this.capabilities.has('server-time') ? ircTimeTag(ts) : undefined;
  }

  /**
   * Hands `input` (a slash command, or a `message`, `direct` or `hello` envelope) to the hub,
   * as if a JSON client had sent it. The hub's answer (an error, a notice, the events that
   * follow) comes back through `render` while this runs, or later behind a slow handler.
   * Returns `false` when the hub refused it at once. `echo` makes the line that tells an
   * `echo-message` client what it said, sent unless the hub refused it or echoed it itself
   * (made only then: most clients never ask for it, and this runs for every message).
   */
  emit(input: unknown, context: IrcCommandContext, echo?: () => string): boolean {
    if (this.sink === undefined || this.peer?.isOpen !== true) return false;
    this.context = context;
    const outcome = { refused: false, echoed: false };
    this.outcome = outcome;
    this.sink.onMessage(input);
    const accepted = !outcome.refused;
    if (echo !== undefined && accepted && !outcome.echoed && this.capabilities.has('echo-message')) this.send(echo());
    return accepted;
  }

  /** Whether one more query may be answered now (`queryRate`). */
  mayQuery(): boolean {
    return this.queries?.tryTake() ?? true;
  }

  /** The room a channel's name stands for: an existing room whatever its case (IRC channel names ignore ASCII case), or the name as given. */
  resolveRoom(room: string): string {
    const rooms = this.hub.rooms;
    if (rooms.has(room)) return room;
    const lower = room.toLowerCase();
    for (const name of rooms.keys()) if (name.toLowerCase() === lower) return name;
    return room;
  }

  /** Why `room` cannot be a room, or `undefined`. */
  roomProblem(room: string): string | undefined {
    return roomProblem(room);
  }

  /**
   * Registration has what it needs (NICK, USER, and CAP END if negotiation began): hands the
   * hub the nickname and credentials, as a JSON client's `hello` would. The hub answers with
   * the rename (or its refusal) and, once the client is in, the welcome.
   */
  register(): void {
    if (this.state !== 'registering' || this.wantedNick === undefined || this.user === undefined || this.negotiating || this.peer === undefined) return;
    const nick = this.wantedNick;
    this.state = 'waiting';
    // Already called that (a guest name asked for by name): nothing to rename, welcome now.
    if (this.welcomed && this.peer.nick === nick) {
      this.complete();
      return;
    }
    const hello = this.password === undefined ? { v: 1, type: 'hello', nick } : { v: 1, type: 'hello', nick, token: this.password };
    this.emit(hello, { verb: 'NICK', target: nick });
  }

  /** Closes the connection with `ERROR`, as a QUIT or the door's own decisions do. */
  closingLink(reason: string): string {
    return ircLines({ verb: 'ERROR', trailing: `Closing Link: ${this.nick}[${this.door.options.userHost}] (${inertText(reason)})` });
  }

  // ---- rendering ----

  private renderEvent(event: ChatEvent): Buffer | undefined {
    if (event.type !== 'leave') this.lastQuit = undefined;
    switch (event.type) {
      case 'system':
        // The hub's greeting carries the client's name and room: the hub has let it in.
        if (event.nick !== undefined && event.room !== undefined) {
          this.welcomed = true;
          if (this.state !== 'waiting') return undefined;
          if (event.nick === this.wantedNick) {
            this.complete();
            return undefined;
          }
          // Let in under a guest name by an `authenticate` hook: the gate hands the hub the nick
          // asked for right after this, in the same turn. Welcome under that name when it is had,
          // or under this one (a name the hook chose) when nothing follows.
          queueMicrotask(this.welcomeLater);
          return undefined;
        }
        return Buffer.from(serverNotice(this.door.options.serverName, this.nick, event.text), 'utf8');
      case 'error':
        return this.renderError(event);
      case 'nick':
        if (this.state === 'waiting' && event.nick === this.peer?.nick) {
          this.complete();
          return undefined;
        }
        if (!this.registered) return undefined;
        if (event.from === this.nick) this.nick = event.nick;
        return this.door.frames.nick(event, this.capabilities.has('server-time'));
      case 'join':
        if (!this.registered) return undefined;
        if (event.nick === this.nick) return Buffer.from(ircJoin(event, this.door.options.userHost, this.timeTag(event.ts)) + this.topicOf(event.room) + this.namesOf(event.room), 'utf8');
        return this.door.frames.join(event, this.capabilities.has('server-time'));
      case 'leave':
        return this.renderLeave(event);
      case 'topic':
        return this.renderTopic(event);
      case 'message':
        if (!this.registered) return undefined;
        if (event.sender === this.nick) {
          // The hub echoes (`echo: true`): that is the echo an echo-message client wants, and noise to others.
          this.outcome.echoed = true;
          if (!this.capabilities.has('echo-message')) return undefined;
        }
        return this.door.frames.roomMessage(event, this.capabilities.has('server-time'));
      case 'direct': {
        if (!this.registered) return undefined;
        if (event.sender === this.nick && event.to !== this.nick) {
          this.outcome.echoed = true;
          if (!this.capabilities.has('echo-message')) return undefined;
        }
        // CTCP only between IRC clients: anyone else's would be a query no IRC user asked for.
        const sender = this.hub.findPeer(event.sender);
        const ctcp = sender !== undefined && this.door.sessionOf(sender) !== undefined;
        return Buffer.from(ircDirectMessage(event, this.door.options.userHost, ctcp, this.timeTag(event.ts)), 'utf8');
      }
    }
  }

  private renderLeave(event: LeaveEnvelope): Buffer | undefined {
    if (!this.registered) return undefined;
    if (event.kicked === true) {
      this.lastQuit = undefined;
      return Buffer.from(ircKick(event, this.door.options.userHost, this.door.options.serverName, this.timeTag(event.ts)), 'utf8');
    }
    if (event.nick === this.nick) {
      this.lastQuit = undefined;
      return Buffer.from(ircPart(event, this.door.options.userHost, this.timeTag(event.ts)), 'utf8');
    }
    const { frame, quit } = this.door.frames.leave(event, this.capabilities.has('server-time'));
    if (!quit) {
      this.lastQuit = undefined;
      return frame;
    }
    if (this.lastQuit === event.nick) return undefined;
    this.lastQuit = event.nick;
    return frame;
  }

  /** A topic changed (`TOPIC`), unless it is the one this client was just shown with its JOIN. */
  private renderTopic(event: TopicEnvelope): Buffer | undefined {
    if (!this.registered) return undefined;
    if (this.topicsShown.get(event.room) === event.ts) {
      this.topicsShown.delete(event.room);
      return undefined;
    }
    return Buffer.from(ircTopic(event, this.door.options.userHost, this.door.options.serverName, this.timeTag(event.ts)), 'utf8');
  }

  /** 332 and 333 for a room that has a topic (what follows a JOIN), or nothing. */
  topicOf(room: string): string {
    const topic = this.hub.moderation.topic(room);
    if (topic === undefined) return '';
    this.topicsShown.set(room, topic.setAt);
    const server = this.door.options.serverName;
    const channel = ircChannel(room);
    const by = topic.by === 'server' ? server : ircUserSource(topic.by, this.door.options.userHost);
    return numericLine(server, IrcNumeric.RPL_TOPIC, this.nick, [channel], topic.text) + numericLine(server, IrcNumeric.RPL_TOPICWHOTIME, this.nick, [channel, by, String(Math.floor(topic.setAt / 1000))]);
  }

  /** The hub refused something: the numeric the command it was about calls for. */
  private renderError(event: ErrorEnvelope): Buffer | undefined {
    this.outcome.refused = true;
    const context = this.context;
    // No automatic reply to a NOTICE (RFC 2812 3.3.2): a bot answering notices must not loop.
    if (context?.verb === 'NOTICE') return undefined;
    const server = this.door.options.serverName;
    const target = context?.target ?? '*';
    const message = inertText(event.message);
    let line: string;
    if (this.state !== 'registered' && (event.code === 'ERR_NAME_TAKEN' || event.code === 'ERR_INVALID_NAME' || event.code === 'ERR_BANNED')) {
      // Registration goes on: the client picks another nick.
      this.state = 'registering';
      this.wantedNick = undefined;
      line = numericLine(server, event.code === 'ERR_NAME_TAKEN' ? IrcNumeric.ERR_NICKNAMEINUSE : IrcNumeric.ERR_ERRONEUSNICKNAME, '*', [target], message);
      return Buffer.from(line, 'utf8');
    }
    const verb = context?.verb ?? '';
    switch (event.code) {
      case 'ERR_NAME_TAKEN':
        line = numericLine(server, IrcNumeric.ERR_NICKNAMEINUSE, this.nick, [target], message);
        break;
      case 'ERR_INVALID_NAME':
        line = numericLine(server, verb === 'NICK' ? IrcNumeric.ERR_ERRONEUSNICKNAME : IrcNumeric.ERR_NOSUCHCHANNEL, this.nick, [target], message);
        break;
      case 'ERR_NOT_IN_ROOM':
        line = numericLine(server, verb === 'PRIVMSG' ? IrcNumeric.ERR_CANNOTSENDTOCHAN : IrcNumeric.ERR_NOTONCHANNEL, this.nick, [target], message);
        break;
      case 'ERR_NO_SUCH_NICK':
        line = numericLine(server, IrcNumeric.ERR_NOSUCHNICK, this.nick, [target], message);
        break;
      case 'ERR_UNKNOWN_COMMAND':
        line = numericLine(server, IrcNumeric.ERR_UNKNOWNCOMMAND, this.nick, [verb === '' ? '*' : verb], message);
        break;
      case 'ERR_USAGE':
        line = numericLine(server, IrcNumeric.ERR_NEEDMOREPARAMS, this.nick, [verb === '' ? '*' : verb], message);
        break;
      case 'ERR_LIMIT':
        line = verb === 'JOIN' ? numericLine(server, IrcNumeric.ERR_TOOMANYCHANNELS, this.nick, [target], message) : serverNotice(server, this.nick, message);
        break;
      case 'ERR_COMMAND_RATE':
        // The hub's allowance of commands is spent: what follows is dropped until the client slows down.
        line = numericLine(server, IrcNumeric.RPL_TRYAGAIN, this.nick, [verb === '' ? '*' : verb], message);
        break;
      case 'ERR_AUTH_FAILED':
      case 'ERR_OPER_FAILED':
        line = numericLine(server, IrcNumeric.ERR_PASSWDMISMATCH, this.nick, [], message);
        break;
      case 'ERR_BANNED':
        // Banned from a channel: 474 at JOIN; a banned nickname is one the client cannot have (432).
        line =
          verb === 'JOIN'
            ? numericLine(server, IrcNumeric.ERR_BANNEDFROMCHAN, this.nick, [target], message)
            : numericLine(server, IrcNumeric.ERR_ERRONEUSNICKNAME, this.nick, [target], message);
        break;
      case 'ERR_MUTED':
        line = numericLine(server, IrcNumeric.ERR_CANNOTSENDTOCHAN, this.nick, [target], message);
        break;
      case 'ERR_NOT_OPERATOR':
        // On a channel (KICK, TOPIC, MODE) IRC says channel operator; anything else, IRC operator.
        line = target.startsWith('#') ? numericLine(server, IrcNumeric.ERR_CHANOPRIVSNEEDED, this.nick, [target], message) : numericLine(server, IrcNumeric.ERR_NOPRIVILEGES, this.nick, [], message);
        break;
      case 'ERR_TOO_MANY_BANS':
        line = numericLine(server, IrcNumeric.ERR_BANLISTFULL, this.nick, [target], message);
        break;
      default:
        line = serverNotice(server, this.nick, message);
    }
    return Buffer.from(line, 'utf8');
  }

  private readonly welcomeLater = (): void => {
    if (this.state === 'waiting' && this.peer?.isOpen === true) this.complete();
  };

  /**
   * The client is in: the welcome burst, then the channels it is in already (the hub's default
   * room), then the history of each that was asked for while it registered. Sent here rather
   * than returned from `render`, so that the replays come after it.
   */
  private complete(): void {
    const peer = this.peer;
    if (peer === undefined) return;
    this.state = 'registered';
    this.nick = peer.nick;
    const userHost = this.door.options.userHost;
    let text = welcomeBurst(this.door.info, this.nick, this.source);
    for (const room of peer.rooms) text += ircJoin({ v: 1, type: 'join', nick: this.nick, room, ts: Date.now() }, userHost, this.timeTag(Date.now())) + this.topicOf(room) + this.namesOf(room);
    this.send(text);
    for (const replay of this.pendingReplays.splice(0)) {
      try {
        replay();
      } catch (error) {
        this.door.failed(this, error);
      }
    }
  }

  // ---- ReplayFraming: the hub's history replays ----

  /** Until it is welcomed a client is shown nothing of the chat: a replay waits for its welcome. */
  deferReplay(replay: () => void): boolean {
    if (this.registered) return false;
    // One per room it is put in before its welcome (the default room; the hub greets a connection
    // before the door has attached it): at most the room limit.
    if (this.pendingReplays.length < MAX_ROOMS_PER_PEER) this.pendingReplays.push(replay);
    return true;
  }

  /**
   * A replay of `room` (see `ircHistoryLines`): PRIVMSGs from their senders, with `@time=` or a
   * `[HH:MM UTC]` stamp, in a `chathistory` batch when the client has `batch`. The client's own
   * messages are replayed too (they are past, not an echo). Direct messages never are.
   */
  replayFrames(events: readonly ChatEvent[], room: string | undefined): Buffer[] {
    if (room === undefined || !this.registered) return [];
    const messages = events.filter((event): event is MessageEnvelope => event.type === 'message' && event.room === room);
    if (messages.length === 0) return [];
    let batch: string | undefined;
    if (this.capabilities.has('batch')) {
      this.batches += 1;
      batch = `history${this.batches.toString(36)}`;
    }
    const text = ircHistoryLines(messages, room, this.door.options.userHost, { time: this.capabilities.has('server-time'), batch });
    return [Buffer.from(text, 'utf8')];
  }

  /** 353 and 366 for a room, as a JOIN is followed by. */
  namesOf(room: string): string {
    return namesLines(this.door.options.serverName, this.nick, `#${room}`, roomNicks(this.hub, room));
  }

  /** Whoever a chat event of a leave is about is still known. Used by WHO and friends. */
  isKnown(nick: string): boolean {
    return this.hub.findPeer(nick) !== undefined || this.hub.adapter?.findNick(nick) !== undefined;
  }
}

/** Everyone in a room, here and on the other hubs of a cluster; operators (of this hub) as `@nick` (`PREFIX=(o)@`). */
export function roomNicks<D>(hub: BroadcastHub<unknown, D>, room: string): string[] {
  const nicks = [...hub.to(room).members].map((peer) => (peer.operator ? `@${peer.nick}` : peer.nick));
  for (const remote of hub.adapter?.remotePeers() ?? []) if (remote.rooms.includes(room)) nicks.push(remote.nick);
  return nicks;
}
