import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import { version } from '../../package.json';
import { throwIfAborted, whenAborted } from '../abort.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_KEEPALIVE_DELAY_MS } from '../defaults.js';
import { HubClosedError, ListenError, ListenerError } from '../errors.js';
import { shutdownWords, type DrainOptions } from '../hub/drain.js';
import type { BroadcastHub } from '../hub/hub.js';
import { MAX_ROOMS_PER_PEER } from '../hub/membership.js';
import type { Peer } from '../hub/peer.js';
import { createHubTlsServer } from '../hub/tls.js';
import type { IrcServerInfo } from '../protocol/irc-replies.js';
import { MAX_NICK_LENGTH, MAX_ROOM_LENGTH } from '../protocol/names.js';
import type { BanEntry } from '../hub/moderation/ban-list.js';
import { ircLines } from '../protocol/irc-lines.js';
import { IrcNumeric } from '../protocol/irc-numerics.js';
import { ircChannel, ircUserSource } from '../protocol/irc-render.js';
import { dispatchIrcLine, MAX_MESSAGE_TARGETS } from './irc-commands.js';
import { IrcFrames } from './irc-frames.js';
import { DEFAULT_IRC_PORT, DEFAULT_IRC_TLS_PORT, resolveIrcOptions, type IrcDoorOptions, type IrcListenOptions, type ListenIrcOptions, type ResolvedIrcOptions } from './irc-options.js';
import { IrcSession, type IrcDoorContext } from './irc-session.js';
import { IrcSweeper } from './irc-sweeper.js';

/** Where a connection handed to `door.accept()` comes from. */
export interface IrcRemote {
  /** The client's address, for the hub's connection caps and `peer.remoteAddress`. */
  readonly remoteAddress: string;
  /** The client's port. Default 0. */
  readonly remotePort?: number | undefined;
}

/** Options for `door.close()`: what the IRC clients are told (see `DrainOptions`). */
export type IrcDoorCloseOptions = DrainOptions;

/**
 * The hub's IRC entrance: IRC clients (irssi, WeeChat, HexChat, bots) in the same chat as the
 * hub's other clients. Each connection is a hub peer speaking `irc`, with its own protocol
 * object: rooms are channels, nicknames are the hub's, what IRC users say reaches everyone and
 * the reverse. Create one with `listenIrc()`, or with `new IrcDoor(hub)` and hand it the
 * sockets of a server of your own (`door.accept(socket, ...)`). Needs a chat hub.
 */
export class IrcDoor<D = Record<string, unknown>> {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedIrcOptions;
  private readonly hub: BroadcastHub<unknown, D>;
  private readonly sessions = new Set<IrcSession<D>>();
  private readonly byPeer = new WeakMap<Peer<D>, IrcSession<D>>();
  private readonly context: IrcDoorContext<D>;
  private readonly sweeper: IrcSweeper<D>;
  private server: Server | undefined;
  private closed = false;
  private sessionsGone: (() => void) | undefined;

  constructor(hub: BroadcastHub<unknown, D>, options: IrcDoorOptions = {}) {
    if (typeof (hub as Partial<BroadcastHub<unknown, D>> | undefined)?.accept !== 'function') throw new TypeError('IrcDoor needs a BroadcastHub');
    if (!hub.isChat) throw new TypeError('IrcDoor needs a chat hub (chat: true): IRC clients talk in rooms, under nicknames');
    this.hub = hub;
    // The stats carry a history only on a hub that keeps one: `batch` is offered there.
    this.options = resolveIrcOptions(options, hub.stats().history !== undefined);
    const info: IrcServerInfo = {
      serverName: this.options.serverName,
      network: this.options.network,
      version,
      createdAt: new Date(),
      isupport: isupportTokens(this.options.network),
      motd: this.options.motd,
    };
    this.context = {
      hub,
      options: this.options,
      info,
      frames: new IrcFrames<D>(hub, this.options.userHost),
      sessionOf: (peer) => this.byPeer.get(peer),
      dispatch: dispatchIrcLine,
      gone: (session) => {
        this.forget(session);
      },
      failed: (session, error) => {
        this.report(session, error);
      },
    };
    this.sweeper = new IrcSweeper<D>(this.sessions, this.options);
    hub.once('close', this.onHubClose);
    hub.on('operator', this.onOperator);
    hub.on('ban', this.onBan);
    hub.on('unban', this.onUnban);
  }

  /** IRC connections open through this door, registered or not. */
  get connections(): number {
    return this.sessions.size;
  }

  /**
   * Serves one IRC connection: a TCP or TLS socket, or any stream. It goes through the hub's
   * door (connection caps, `authenticate` with PASS as the credentials) like the hub's own
   * connections. Returns its `Peer`, or `undefined` when it was turned away.
   */
  accept(stream: Duplex, remote: IrcRemote): Peer<D> | undefined {
    if (this.closed) {
      stream.destroy();
      return undefined;
    }
    const session = new IrcSession<D>(this.context);
    const peer = this.hub.accept(stream, { remoteAddress: remote.remoteAddress, remotePort: remote.remotePort ?? 0, protocol: session });
    if (peer === undefined) return undefined;
    session.attach(peer);
    this.sessions.add(session);
    this.byPeer.set(peer, session);
    this.sweeper.watch();
    return peer;
  }

  /**
   * Listens for IRC clients on a port of its own (default 6667, or 6697 with `tls`). Resolves
   * with the bound address; rejects with a `ListenError`, an `AbortError`, or a `HubClosedError`.
   */
  async listen(options: IrcListenOptions = {}): Promise<AddressInfo> {
    if (this.closed) throw new HubClosedError();
    if (this.server !== undefined) throw new TypeError('this IrcDoor is listening already');
    throwIfAborted(options.signal);
    const tls = options.tls !== undefined;
    const port = options.port ?? (tls ? DEFAULT_IRC_TLS_PORT : DEFAULT_IRC_PORT);
    const host = options.host ?? DEFAULT_HOST;
    const server: Server | TlsServer =
      options.tls === undefined ? createServer({ noDelay: true }) : createHubTlsServer(options.tls, options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this.server = server;
    server.on(tls ? 'secureConnection' : 'connection', this.onConnection);
    // A failed handshake never became a client: drop it (Node leaves a silent one open).
    if (tls) (server as TlsServer).on('tlsClientError', onTlsClientError);
    await new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        server.off('error', onError);
        server.off('listening', onListening);
        stopWatchingAbort();
      };
      const onError = (error: Error): void => {
        settle();
        this.server = undefined;
        reject(new ListenError(`${host}:${port}`, error));
      };
      const onListening = (): void => {
        settle();
        server.on('error', this.onServerError);
        resolve();
      };
      const stopWatchingAbort = whenAborted(options.signal, (error) => {
        settle();
        this.server = undefined;
        server.close();
        reject(error);
      });
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ port, host });
    });
    const address = this.address();
    if (address === null) throw new HubClosedError();
    return address;
  }

  /** The address the door listens on, or `null` when it is not listening. */
  address(): AddressInfo | null {
    const address = this.server?.address() ?? null;
    return typeof address === 'string' ? null : address;
  }

  /**
   * Stops listening and closes the IRC connections this door let in, telling them to come back
   * later (`ERROR` with the retry hint, reason `shutdown`). Resolves once they are gone. The
   * hub's own `close()` closes them too, and stops the door.
   */
  async close(options: IrcDoorCloseOptions = {}): Promise<void> {
    const words = shutdownWords(options);
    const serverClosed = this.stop();
    if (this.sessions.size > 0) {
      const gone = new Promise<void>((resolve) => {
        this.sessionsGone = resolve;
      });
      for (const session of this.sessions) {
        session.peer?.close('shutdown', { ...words(), ...(options.drainTimeout === undefined ? {} : { timeout: options.drainTimeout }) });
      }
      await gone;
    }
    await serverClosed;
  }

  private stop(): Promise<void> {
    this.sweeper.stop();
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.hub.off('close', this.onHubClose);
    this.hub.off('operator', this.onOperator);
    this.hub.off('ban', this.onBan);
    this.hub.off('unban', this.onUnban);
    const server = this.server;
    if (server?.listening !== true) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => {
        server.off('error', this.onServerError);
        resolve();
      });
    });
  }

  private forget(session: IrcSession<D>): void {
    if (!this.sessions.delete(session)) return;
    if (session.peer !== undefined) this.byPeer.delete(session.peer);
    this.sweeper.forget();
    if (this.sessions.size === 0 && this.sessionsGone !== undefined) {
      this.sessionsGone();
      this.sessionsGone = undefined;
    }
  }

  /** A failure of ours on one connection: the hub's `clientError`, as for its own connections. */
  private report(session: IrcSession<D>, error: unknown): void {
    const peer = session.peer;
    if (peer === undefined) return;
    try {
      this.hub.emit('clientError', error instanceof Error ? error : new Error(String(error)), peer);
    } catch (listenerError) {
      this.hub.emit('error', new ListenerError('clientError', listenerError));
    }
  }

  private readonly onConnection = (socket: Socket): void => {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, DEFAULT_KEEPALIVE_DELAY_MS);
    this.accept(socket, { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 });
  };

  private readonly onServerError = (error: Error): void => {
    // After listening, the server's trouble is the hub's, as for the hub's own server.
    this.hub.emit('error', error);
  };

  private readonly onHubClose = (): void => {
    void this.stop();
  };

  /**
   * Someone became an operator (or stopped being one): 381 to them if they are an IRC user,
   * and `MODE #chan +o nick` to the IRC users of each of their channels, which is how IRC
   * clients learn to show `@nick`.
   */
  private readonly onOperator = (peer: Peer<D>, operator: boolean): void => {
    const own = this.byPeer.get(peer);
    if (operator && own?.registered === true) own.numeric(IrcNumeric.RPL_YOUREOPER, [], 'You are now an IRC operator');
    for (const room of peer.rooms) {
      this.toChannel(room, (session) => ircLines({ source: this.options.serverName, verb: 'MODE', middle: [ircChannel(room), operator ? '+o' : '-o', session === own ? session.nick : peer.nick] }));
    }
  };

  /** A room ban: `MODE #chan +b mask` to the channel's IRC users, as its setter. */
  private readonly onBan = (entry: BanEntry): void => {
    this.banMode(entry, '+b');
  };

  private readonly onUnban = (entry: BanEntry): void => {
    this.banMode(entry, '-b');
  };

  private banMode(entry: BanEntry, change: string): void {
    const room = entry.room;
    if (room === undefined) return;
    const source = entry.by === 'server' ? this.options.serverName : ircUserSource(entry.by, this.options.userHost);
    const line = ircLines({ source, verb: 'MODE', middle: [ircChannel(room), change, entry.mask] });
    this.toChannel(room, () => line);
  }

  /** Sends each registered IRC user in `room` the line `render` makes for it. */
  private toChannel(room: string, render: (session: IrcSession<D>) => string): void {
    for (const member of this.hub.to(room).members) {
      const session = this.byPeer.get(member);
      if (session?.registered === true) session.send(render(session));
    }
  }
}

/**
 * Listens for IRC clients and puts them in `hub`'s chat: `await listenIrc(hub, { port: 6667 })`.
 * Resolves with the door once it listens (`door.address()`, `door.close()`).
 */
export async function listenIrc<T, D>(hub: BroadcastHub<T, D>, options: ListenIrcOptions = {}): Promise<IrcDoor<D>> {
  const { port, host, tls, handshakeTimeout, signal, ...doorOptions } = options;
  // The door speaks text to the hub whatever its message type: a chat hub's messages are strings.
  const door = new IrcDoor<D>(hub, doorOptions);
  try {
    await door.listen({ port, host, tls, handshakeTimeout, signal });
  } catch (error) {
    await door.close();
    throw error;
  }
  return door;
}

/** What the hub is, as ISUPPORT (005) tells clients. */
function isupportTokens(network: string): string[] {
  return [
    'CASEMAPPING=ascii',
    `CHANLIMIT=#:${MAX_ROOMS_PER_PEER}`,
    'CHANMODES=b,,,n',
    `CHANNELLEN=${MAX_ROOM_LENGTH + 1}`,
    'CHANTYPES=#',
    'MODES=4',
    `NETWORK=${network}`,
    `NICKLEN=${MAX_NICK_LENGTH}`,
    'PREFIX=(o)@',
    `TARGMAX=JOIN:,PART:,PRIVMSG:${MAX_MESSAGE_TARGETS},NOTICE:${MAX_MESSAGE_TARGETS},NAMES:,WHOIS:1`,
    'UTF8ONLY',
  ];
}

function onTlsClientError(_error: Error, socket: Socket): void {
  socket.destroy();
}
