import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { throwIfAborted, whenAborted } from '../abort.js';
import type { ClusterAdapter } from '../cluster/adapter.js';
import {
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_CONGESTION_GRACE_MS,
  DEFAULT_CONGESTION_MARK_BYTES,
  DEFAULT_DELIVERIES_PER_TURN,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_INPUT_BYTES_PER_TURN,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_PRE_AUTH_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PORT,
} from '../defaults.js';
import { HubClosedError, ListenError, ListenerError } from '../errors.js';
import { isAdaptiveCodec, resolveCodec } from '../protocol/builtin-codecs.js';
import type { Codec } from '../protocol/codec.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';
import { EnvelopeError } from '../protocol/envelope-error.js';
import { defuseFarewellLine } from '../protocol/farewell-lookalike.js';
import { lengthPrefixCodec } from '../protocol/length-codec.js';
import { mixedCodec } from '../protocol/mixed-codec.js';
import { DEFAULT_ROOM } from '../protocol/names.js';
import { asProtocol, type Protocol } from '../protocol/protocol.js';
import { isStructuredCodec } from '../protocol/structured.js';
import { FlushScheduler } from '../transport/flush-scheduler.js';
import { InputGate } from '../transport/input-gate.js';
import { FrameCache } from '../transport/frame-cache.js';
import { TypedEventEmitter } from '../typed-event-emitter.js';
import { AuthGate } from './auth/auth-gate.js';
import type { HubAuthOptions } from './auth/authenticate.js';
import { builtinCommands } from './chat/builtin-commands.js';
import { resolveHistory } from './history/history-options.js';
import { brokerHistory } from './history/with-broker-store.js';
import { ChatMode } from './chat/chat-mode.js';
import { ClusterLink } from './cluster-link.js';
import type { CommandEntry, CommandHandler, CommandOptions } from './commands.js';
import { shutdownWords } from './drain.js';
import type { HubEvents } from './events.js';
import type { MessageHandler } from './handler-chain.js';
import { Inbound } from './inbound.js';
import { Admission } from './limits/admission.js';
import type { AdmissionRefusal } from './limits/connection-limiter.js';
import { resolveLimits } from './limits/limit-options.js';
import { LivenessSweeper } from './liveness.js';
import type { ContextReplies } from './message-context.js';
import { Membership } from './membership.js';
import { HubModeration } from './moderation/moderation.js';
import type {
  AcceptOptions,
  BroadcastOptions,
  HubAddress,
  HubCloseOptions,
  HubListenOptions,
  HubOptions,
  RelayOptions,
  RoomHandle,
  UnixSocketAddress,
} from './options.js';
import { Peer, type PeerHost } from './peer.js';
import { createHubTlsServer, TlsHandshakes, type RemoteEndpoint } from './tls.js';
import { hubChannels } from './diagnostics.js';
import { HubCounters } from './hub-counters.js';
import { snapshotStats, type HubStats, type HubStatsOptions } from './stats.js';

/**
 * A TCP server that relays each client's message to every other client, as the documented
 * Python server does, with framing, limits and typed events.
 *
 * @typeParam T - the message type: `string` for text framings, `Buffer` for `'length'`.
 * @typeParam D - the type of each peer's `data`.
 */
export class BroadcastHub<T = string, D = Record<string, unknown>> extends TypedEventEmitter<HubEvents<T, D>> {
  private readonly server: Server;
  private readonly ownsServer: boolean;
  private readonly connectionEvent: 'connection' | 'secureConnection';
  private readonly host: PeerHost<T, D>;
  private readonly echo: boolean;
  private readonly members: Membership<D>;
  private readonly inbound: Inbound<T, D>;
  private readonly chat: ChatMode<D> | undefined;
  private readonly replies: ContextReplies<D>;
  private listenPending = false;
  /** Settles when a `listen()` in progress has bound or failed; `close()` waits for it, so the port is not left open. */
  private listenSettled: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly cluster: ClusterLink<D> | undefined;
  private allPeersClosed: (() => void) | undefined;
  private readonly admission: Admission;
  private readonly sweeper: LivenessSweeper<D>;
  private readonly keepAliveDelay: number;
  /** Set when there is an `authenticate` hook: holds connections until it lets them in. */
  private readonly gate: AuthGate<D> | undefined;
  private readonly handshakes: TlsHandshakes | undefined;
  /** What `stats()` reports: bumped where each thing happens. */
  private readonly counters = new HubCounters();
  /**
   * Moderation, the same for every kind of client: operators, `kick()`, `ban()`/`unban()`/
   * `bans()`, `mute()`/`unmute()`, `setTopic()`/`topic()` (see docs/moderation.md). In a
   * cluster, bans and topics hold on every hub, and kicks and mutes reach clients of other hubs.
   */
  readonly moderation: HubModeration<D>;

  constructor(options: HubOptions<T, D> = {}) {
    super();
    const codec: Protocol<T> = asProtocol(resolveCodec(options.framing));
    const relay = options.relay ?? true;
    this.echo = options.echo ?? false;
    // Guests of clustered hubs carry a tag of their hub, so that two hubs never hand out the same
    // guest name: a hash, since ids chosen by people (`chat-eu-1`, `chat-eu-2`) share their starts.
    const guestPrefix = options.adapter === undefined ? options.guestPrefix : `${options.guestPrefix ?? 'guest'}-${hubTag(options.adapter.hubId)}`;
    this.members = new Membership<D>(
      {
        joined: (peer, room) => {
          this.dispatch('join', peer, () => this.emit('join', peer, room));
          this.cluster?.joined(peer, room);
          this.chat?.announceJoin(peer, room);
        },
        // Announced before leaving, so that the leaver hears it too.
        leaving: (peer, room, kick) => this.chat?.announceLeave(peer, room, undefined, kick),
        left: (peer, room, kick) => {
          this.dispatch('leave', peer, () => this.emit('leave', peer, room));
          this.cluster?.left(peer, room, kick);
        },
        renamed: (peer, previous) => {
          this.dispatch('nick', peer, () => this.emit('nick', peer, previous));
          this.cluster?.renamed(peer, previous);
          this.chat?.announceNick(peer, previous);
        },
      },
      options.defaultRoom ?? DEFAULT_ROOM,
      guestPrefix,
    );
    // Structured and mixed framings only make sense with senders and rooms attached.
    const chat = options.chat ?? (isStructuredCodec(codec) || codec === (mixedCodec as Codec<unknown>));
    const history = brokerHistory(resolveHistory(options.history), options.adapter, (error) => this.emit('adapterError', error));
    if (history !== undefined && chat === false) throw new TypeError('history needs chat mode (chat: true, or the json or mixed framing)');
    if (chat !== false) {
      if (codec === (lengthPrefixCodec as Codec<unknown>)) throw new TypeError("chat mode needs a text framing, not 'length'");
      const chatOptions = chat === true ? {} : chat;
      this.chat = new ChatMode<D>(
        {
          rooms: this.members.rooms,
          echo: this.echo,
          publish: options.adapter === undefined ? undefined : (event) => this.cluster?.chatRelayed(event),
          history,
          maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
        },
        chatOptions,
      );
    }
    const chatMode = this.chat;
    this.replies = {
      reply: (peer, text) => (chatMode === undefined ? peer.send(text) : chatMode.reply(peer, text)),
      refuse: (peer, code, message) => {
        this.counters.count(this.counters.rejected, code);
        return chatMode === undefined ? peer.send(`! ${message}`) : chatMode.refuse(peer, code, message);
      },
    };
    const limits = resolveLimits(options);
    this.inbound = new Inbound<T, D>(
      {
        hub: this,
        counters: this.counters,
        replies: this.replies,
        chat: this.chat,
        relay,
        intercept: (peer, message, kind) => {
          // The hello that carries the credentials may ask for history too: answered once the peer
          // is let in (which a hook that decides at once does inside the gate's intercept).
          if (kind === 'hello' && this.gate?.isHeld(peer) === true) this.chat?.heldHello(peer, message);
          if (this.gate?.intercept(peer, message, kind) === true) return true;
          // Before anything else reads it: a JSON client's hello may ask to recover (chat mode's history).
          this.chat?.received(peer, message, kind);
          return false;
        },
        pong: (peer, ts) => {
          this.sweeper.pong(peer, ts);
        },
        announce: (peer, message) => {
          this.dispatch('message', peer, () => this.emit('message', message, peer));
          if (hubChannels.message.hasSubscribers) hubChannels.message.publish({ hub: this, peer, message });
        },
        relayPlain: (peer, message) => {
          this.counters.messagesOut += 1;
          const relayed = defused(message);
          this.deliverFrames(this.members.rooms.membersOf(peer.room), new FrameCache(relayed), this.echo ? undefined : peer);
          this.cluster?.relayed(peer.room, relayed, peer);
        },
        relayMessage: (peer, message, room, to) => {
          // A muted client's room messages are refused (told why); direct messages still go.
          if (to === undefined && this.moderation.refuseMuted(peer, room)) return;
          this.relayMessage(peer, message, { room, to });
        },
        failed: (peer, error) => {
          this.counters.handlerErrors += 1;
          this.emitGuarded('clientError', error, peer);
        },
      },
      {
        maxMessages: positive('maxPendingMessages', options.maxPendingMessages ?? 1000),
        maxBytes: positive('maxPendingBytes', options.maxPendingBytes ?? 1024 * 1024),
      },
      limits.flood,
      limits.commandRate,
    );
    if (this.chat !== undefined && (typeof chat !== 'object' || chat.builtinCommands !== false)) {
      for (const { name, handler, ...help } of builtinCommands<T, D>(this.chat)) this.inbound.setCommand(name, handler, help);
    }
    const maxQueuedBytes = positive('maxQueuedBytes', options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES);
    this.host = {
      codec,
      scheduler: new FlushScheduler(),
      // Both under a quarter of the hard cap, so that a client that keeps up never meets it.
      input: new InputGate({
        bytesPerTurn: Math.min(DEFAULT_INPUT_BYTES_PER_TURN, maxQueuedBytes / 4),
        deliveriesPerTurn: DEFAULT_DELIVERIES_PER_TURN,
        congestionGraceMs: DEFAULT_CONGESTION_GRACE_MS,
      }),
      maxMessageBytes: positive('maxMessageBytes', options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
      maxQueuedBytes,
      oversizedMessage: oneOf('oversizedMessage', options.oversizedMessage ?? 'drop', ['drop', 'disconnect']),
      slowConsumerPolicy: oneOf('slowConsumerPolicy', options.slowConsumerPolicy ?? 'disconnect', ['disconnect', 'drop']),
      invalidUtf8: oneOf('invalidUtf8', options.invalidUtf8 ?? 'replace', ['replace', 'reject']),
      closeTimeout: positive('closeTimeout', options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT_MS),
      congestionMark: Math.min(DEFAULT_CONGESTION_MARK_BYTES, maxQueuedBytes / 4),
      counters: this.counters,
      peerMessage: (peer, message, kind) => {
        this.inbound.receive(peer, message, kind);
      },
      peerError: (peer, error) => {
        this.counters.clientErrors += 1;
        this.emitGuarded('clientError', error, peer);
        // The sender of a bad envelope is told why, so that a program can fix what it sends.
        // Not before it is let in: a connection at the gate hears nothing but its verdict.
        if (error instanceof EnvelopeError && this.chat !== undefined && this.gate?.isHeld(peer) !== true) {
          this.counters.count(this.counters.rejected, error.code);
          this.chat.refuse(peer, error.code, error.message);
        }
      },
      peerSlow: (peer, queuedBytes) => {
        this.counters.slowConsumers += 1;
        this.emitGuarded('slowConsumer', peer, queuedBytes);
        if (hubChannels.slowConsumer.hasSubscribers) hubChannels.slowConsumer.publish({ hub: this, peer, queuedBytes });
      },
      peerClosed: (peer, reason, error) => {
        this.onPeerClosed(peer, reason, error);
      },
      peerFramingDetected: (peer, previous) => {
        if (this.members.peers.has(peer)) this.counters.detected(previous, peer.framing);
        // A connection waiting for authentication is greeted once it is let in.
        if (this.gate?.isHeld(peer) !== true) this.chat?.greet(peer);
      },
      joinRoom: (peer, room) => {
        this.members.join(peer, room);
      },
      leaveRoom: (peer, room) => this.members.leave(peer, room),
      renamePeer: (peer, nick) => {
        this.members.rename(peer, nick);
      },
    };
    this.keepAliveDelay = limits.keepAliveDelay;
    this.admission = new Admission(limits, codec);
    this.moderation = new HubModeration<D>(
      {
        members: this.members,
        chat: this.chat,
        admission: this.admission,
        emit: (event, args) => {
          try {
            (this.emit as (name: string, ...values: readonly unknown[]) => boolean)(event, ...args);
          } catch (error) {
            this.emit('error', new ListenerError(event, error));
          }
        },
      },
      options.moderation,
    );
    // Chat mode acts through it (the moderation commands) and shows its topics on join.
    if (this.chat !== undefined) this.chat.moderation = this.moderation;
    this.sweeper = new LivenessSweeper<D>(this.host, limits);
    this.ownsServer = options.server === undefined;
    if (options.server !== undefined && options.tls !== undefined) throw new TypeError("give 'server' or 'tls', not both");
    this.server =
      options.server ??
      (options.tls === undefined
        ? createServer({ noDelay: true })
        : createHubTlsServer(options.tls, positive('handshakeTimeout', options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS)));
    this.connectionEvent = this.server instanceof TlsServer ? 'secureConnection' : 'connection';
    this.server.on(this.connectionEvent, this.onConnection);
    this.server.on('error', this.onServerError);
    this.handshakes =
      this.server instanceof TlsServer
        ? new TlsHandshakes(this.server, this.emitTlsClientError, limits, (address, reason) => {
            this.emitRefused(address, reason);
          })
        : undefined;
    this.gate = options.authenticate === undefined ? undefined : this.createGate(options);
    this.cluster =
      options.adapter === undefined
        ? undefined
        : new ClusterLink<D>(options.adapter, {
            peers: this.members.peers,
            rooms: this.members.rooms,
            nicknames: this.members.nicknames,
            guestPrefix: guestPrefix ?? 'guest',
            chat: this.chat,
            moderation: this.moderation,
            status: (status) => {
              this.counters.adapterStatusChanges += 1;
              this.emit('adapterStatus', status);
              if (hubChannels.adapterStatus.hasSubscribers) hubChannels.adapterStatus.publish({ hub: this, status });
            },
            error: (error) => {
              this.emit('adapterError', error);
            },
          });
  }

  /** The connected clients, live. */
  get clients(): ReadonlySet<Peer<D>> {
    return this.members.peers;
  }

  /** The framing the hub was created with (`'auto'` peers report what was detected in `peer.framing`). */
  get framing(): string {
    return this.host.codec.name;
  }

  /** The largest message a client may send, in bytes (`maxMessageBytes`): transports map their own limits to it. */
  get maxMessageBytes(): number {
    return this.host.maxMessageBytes;
  }

  /** Whether the hub runs in chat mode. */
  get isChat(): boolean {
    return this.chat !== undefined;
  }

  /** The room every client starts in. */
  get defaultRoom(): string {
    return this.members.rooms.defaultRoom;
  }

  /** Every room that has members (the default room always appears), with its members, live. */
  get rooms(): ReadonlyMap<string, ReadonlySet<Peer<D>>> {
    return this.members.rooms.all;
  }

  /** The cluster adapter this hub was created with, if any: its `hubId`, `status`, and who is on the other hubs. */
  get adapter(): ClusterAdapter | undefined {
    return this.cluster?.adapter;
  }

  /** The registered slash commands, sorted by name. */
  get commands(): readonly CommandEntry<T, D>[] {
    return this.inbound.commands.list();
  }

  /**
   * A snapshot of the hub: who is connected (by protocol, by room), what came in and went out,
   * who was refused or cut and why, flood control, errors, the cluster link. Counters only grow.
   * It reads counters the hub keeps as it goes; `{ peers: true }` also walks every client for
   * what is queued to it (`queued`).
   */
  stats(options?: HubStatsOptions): HubStats {
    return snapshotStats(
      this.counters,
      {
        peers: this.members.peers,
        rooms: this.members.rooms.all,
        pending: this.gate?.size ?? 0,
        adapter: this.cluster?.adapter,
        history: this.chat?.historyStats(),
      },
      options,
    );
  }

  /** The client with this nickname (any case), if one is connected. */
  findPeer(nick: string): Peer<D> | undefined {
    return this.members.nicknames.find(nick);
  }

  /** A room, to send to its members or see who they are. The room need not exist yet. */
  to(room: string): RoomHandle<T, D> {
    const registry = this.members.rooms;
    return {
      name: room,
      // A getter, so that a handle taken before the room exists still sees its members.
      get members() {
        return registry.membersOf(room);
      },
      broadcast: (message, options) => {
        this.counters.messagesOut += 1;
        this.cluster?.broadcast(message, room);
        return this.deliverFrames(registry.membersOf(room), new FrameCache(message), options?.except);
      },
    };
  }

  /**
   * Appends a handler to the chain every incoming message runs through before the relay
   * (after the `message` event). Handlers run in the order they were added.
   */
  use(handler: MessageHandler<T, D>): this {
    this.inbound.use(handler);
    return this;
  }

  /** Removes a handler added with `use()`; returns whether it was there. */
  removeHandler(handler: MessageHandler<T, D>): boolean {
    return this.inbound.removeHandler(handler);
  }

  /**
   * Registers, replaces or (with `null`) removes the slash command `/name`. Works on any
   * hub: once a command is registered, messages starting with `/` followed by a
   * registered name run it instead of being relayed (after the `use()` handlers).
   */
  command(name: string, handler: CommandHandler<T, D> | null, options?: CommandOptions): this {
    if (handler === null) {
      this.removeCommand(name);
      return this;
    }
    this.inbound.setCommand(name, handler, options);
    return this;
  }

  /** Removes the slash command `/name`; returns whether it was registered. */
  removeCommand(name: string): boolean {
    return this.inbound.deleteCommand(name);
  }

  /**
   * Delivers a message as if `from` had said it: to the members of a room (default: the
   * sender's current room) but the sender (unless `echo`), or to one peer. In chat mode it
   * is rendered for each framing; otherwise it is sent verbatim. Returns how many clients
   * it was queued for. This is what the relay does after the handler chain.
   */
  relayMessage(from: Peer<D>, message: T | string | Uint8Array, options: RelayOptions<D> = {}): number {
    const room = options.room ?? from.room;
    const to = options.to;
    this.counters.messagesOut += 1;
    if (this.chat !== undefined) {
      const text = typeof message === 'string' ? message : Buffer.from(message as Uint8Array).toString('utf8');
      return this.chat.relay(from, text, room, to, options.action ?? false);
    }
    const relayed = defused(message);
    const frames = new FrameCache(relayed);
    if (to !== undefined) return to.deliver(frames.frameFor(to.frameEncoder)) ? 1 : 0;
    this.cluster?.relayed(room, relayed, from);
    return this.deliverFrames(this.members.rooms.membersOf(room), frames, this.echo ? undefined : from);
  }

  /** The bound address (a TCP address, or `{ path }` for a Unix socket), or `null` before `listen()` completes and after `close()`. */
  address(): HubAddress | null {
    const address = this.server.address();
    if (typeof address === 'string') return { path: address };
    return address;
  }

  /**
   * Starts accepting connections: on a TCP port (default `0.0.0.0:8000`), or with `path` on a
   * Unix domain socket. Resolves with the bound address; rejects with a `ListenError` (port or
   * path taken, say), an `AbortError`, or a `HubClosedError` (closed before or while binding).
   * A hub given a `server` that is already listening resolves with its address at once.
   */
  listen(options: HubListenOptions & { path: string }): Promise<UnixSocketAddress>;
  listen(options?: HubListenOptions | number): Promise<AddressInfo>;
  async listen(options: HubListenOptions | number = {}): Promise<HubAddress> {
    const { port, host, path, backlog, signal } = typeof options === 'number' ? { port: options, host: undefined, path: undefined, backlog: undefined, signal: undefined } : options;
    if (path !== undefined && (port !== undefined || host !== undefined)) throw new TypeError("give 'path' or 'port'/'host', not both");
    if (this.closing !== undefined) throw new HubClosedError();
    throwIfAborted(signal);
    const bound = this.address();
    if (bound !== null) return bound;
    const server = this.server;
    const target = path ?? `${host ?? DEFAULT_HOST}:${port ?? DEFAULT_PORT}`;
    this.listenPending = true;
    const listening = new Promise<HubAddress>((resolve, reject) => {
      const settle = (): void => {
        server.off('error', onError);
        server.off('listening', onListening);
        stopWatchingAbort();
      };
      const onError = (error: Error): void => {
        settle();
        reject(new ListenError(target, error));
      };
      const onListening = (): void => {
        settle();
        // close() was called while binding: it closes the server once this settles.
        if (this.closing !== undefined) {
          reject(new HubClosedError());
          return;
        }
        const address = this.address() ?? { path: target };
        this.emit('listening', address);
        resolve(address);
      };
      const stopWatchingAbort = whenAborted(signal, (error) => {
        settle();
        server.close();
        reject(error);
      });
      server.once('error', onError);
      server.once('listening', onListening);
      const where = path === undefined ? { port: port ?? DEFAULT_PORT, host: host ?? DEFAULT_HOST } : { path };
      server.listen({ ...where, ...(backlog === undefined ? {} : { backlog }) });
    });
    this.listenSettled = listening.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await listening;
    } finally {
      this.listenPending = false;
    }
  }

  /**
   * Sends a message to every connected client (but `options.except`). It is encoded once
   * per framing in use and the same bytes are queued for every receiver.
   * Returns how many clients it was queued for.
   */
  broadcast(message: T | string | Uint8Array, options?: BroadcastOptions<D>): number {
    this.counters.messagesOut += 1;
    this.cluster?.broadcast(message);
    return this.deliverFrames(this.members.peers, new FrameCache(message), options?.except);
  }

  /**
   * Stops accepting connections, flushes what is queued to every client, closes them, and
   * resolves once every socket is closed. Clients that do not take their data within the
   * timeout are cut. Calling it again returns the same promise.
   */
  close(options: HubCloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options);
    return this.closing;
  }

  /** Closes the hub; lets `await using hub = new BroadcastHub()` clean up. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(options: HubCloseOptions): Promise<void> {
    const timeout = options.drainTimeout ?? options.timeout ?? this.host.closeTimeout;
    this.sweeper.stop();
    const serverClosed = this.ownsServer ? this.listenSettled.then(() => (this.server.listening ? closeServer(this.server) : undefined)) : Promise.resolve();
    if (!this.ownsServer) this.server.off(this.connectionEvent, this.onConnection);
    const peers = this.members.peers;
    const peersClosed =
      peers.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.allPeersClosed = resolve;
          });
    const goodbye = shutdownWords(options);
    // The drain's deadline, not closeTimeout: a longer drainTimeout gives slow readers longer.
    for (const peer of peers) peer.close('shutdown', { ...goodbye(), timeout });
    this.gate?.shutdown();
    // One deadline for the whole drain, so that close() resolves within it whoever is slow.
    const timer = setTimeout(() => {
      for (const peer of peers) peer.destroy('shutdown');
    }, timeout);
    timer.unref();
    await peersClosed;
    clearTimeout(timer);
    // Every client is gone: what the TLS server still holds can only be handshakes in progress.
    if (this.ownsServer) this.handshakes?.destroyRemaining();
    else this.handshakes?.dispose();
    await serverClosed;
    // After the peers, so the other hubs hear each one leave before this hub says goodbye.
    await this.cluster?.close().catch((error: unknown) => this.emit('adapterError', error instanceof Error ? error : new Error(String(error))));
    this.server.off('error', this.onServerError);
    this.emit('close');
  }

  /**
   * Serves a connection that reached the application some other way than the hub's own
   * server: a WebSocket's stream (`broadcast-chat/websocket` does this), a socket from a
   * server of the application's, an in-process pair. It goes through the same door (connection
   * caps per address), authentication, limits, rooms and events as the hub's own connections.
   * `protocol` speaks to it instead of the hub's framing. Returns its `Peer`, or `undefined`
   * when it was turned away (the hub closing, or a connection cap: `refused` says which).
   */
  accept(stream: Duplex, options: AcceptOptions): Peer<D> | undefined {
    const protocol = options.protocol === undefined ? this.host.codec : asProtocol(options.protocol);
    const remote = { address: options.remoteAddress, port: options.remotePort ?? 0 };
    if (this.closing !== undefined) {
      stream.destroy();
      return undefined;
    }
    const refusal = this.admission.admit(stream, remote.address, protocol);
    if (refusal !== undefined) {
      this.emitRefused(remote.address, refusal);
      return undefined;
    }
    const peer = new Peer<D>(stream, this.host, remote, protocol);
    // With an `authenticate` hook the connection waits at the gate, and becomes a client only once it is let in.
    if (this.gate !== undefined) this.gate.hold(peer, stream);
    else this.admitPeer(peer);
    return peer;
  }

  private readonly onConnection = (socket: Socket): void => {
    socket.setNoDelay(true);
    if (this.keepAliveDelay > 0) socket.setKeepAlive(true, this.keepAliveDelay);
    this.accept(socket, { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 });
  };

  /**
   * Makes a connection a client: a name (`nick`, or a guest name), the default room,
   * `hub.clients`, the `connect` event, a greeting. Throws a `NameError`, having changed
   * nothing, when `nick` cannot be had.
   */
  private admitPeer(peer: Peer<D>, nick?: string): void {
    this.members.add(peer, nick);
    this.counters.connected(peer.framing);
    this.sweeper.watch(peer);
    this.cluster?.connected(peer);
    this.dispatch('connect', peer, () => this.emit('connect', peer));
    if (hubChannels.connect.hasSubscribers) hubChannels.connect.publish({ hub: this, peer });
    // Peers of adaptive framings are greeted once their framing is known, so that a JSON
    // program is not greeted in text, nor a raw peer sent notices at all.
    if (this.chat !== undefined && !isAdaptiveCodec(peer.frameEncoder)) this.chat.greet(peer);
  }

  private createGate(options: HubAuthOptions<D>): AuthGate<D> {
    const authenticate = options.authenticate;
    if (typeof authenticate !== 'function') throw new TypeError('authenticate must be a function');
    return new AuthGate<D>(
      {
        admit: (peer, nick) => {
          this.admitPeer(peer, nick);
          // Adaptive framings were detected from the credentials, so the greeting can go out now.
          this.chat?.greet(peer);
        },
        replay: (peer, message, kind) => {
          this.inbound.receive(peer, message as T, kind);
        },
        failed: (peer, error) => {
          this.counters.count(this.counters.authFailures, error.reason);
          this.dispatch('authFailed', peer, () => this.emit('authFailed', peer, error));
        },
        refuse: (peer, code, message) => {
          this.replies.refuse(peer, code, message);
        },
      },
      {
        authenticate,
        authTimeout: positive('authTimeout', options.authTimeout ?? DEFAULT_AUTH_TIMEOUT_MS),
        maxPreAuthBytes: positive('maxPreAuthBytes', options.maxPreAuthBytes ?? DEFAULT_MAX_PRE_AUTH_BYTES),
      },
    );
  }

  private deliverFrames(members: Iterable<Peer<D>>, frames: FrameCache, except: Peer<D> | undefined): number {
    let delivered = 0;
    for (const peer of members) {
      if (peer !== except && peer.deliver(frames.frameFor(peer.frameEncoder))) delivered += 1;
    }
    return delivered;
  }

  private onPeerClosed(peer: Peer<D>, reason: DisconnectReason, error: Error | undefined): void {
    // A connection that never got past the gate was never a client: only its place at the door is freed.
    if (this.gate?.forget(peer) === true) {
      this.admission.release(peer.remoteAddress);
      return;
    }
    if (!this.members.remove(peer)) return;
    this.chat?.closed(peer);
    this.admission.release(peer.remoteAddress);
    this.sweeper.forget(peer);
    this.inbound.forget(peer);
    const quitReason = this.chat?.quitReason(peer);
    for (const room of peer.rooms) this.chat?.announceLeave(peer, room, quitReason);
    this.cluster?.disconnected(peer, [...peer.rooms], quitReason);
    this.counters.disconnected(peer.framing, reason);
    this.emitGuarded('disconnect', peer, reason, error);
    if (hubChannels.disconnect.hasSubscribers) hubChannels.disconnect.publish({ hub: this, peer, reason, error });
    if (this.members.peers.size === 0 && this.allPeersClosed !== undefined) {
      this.allPeersClosed();
      this.allPeersClosed = undefined;
    }
  }

  /** Reports a refused connection; a listener that throws is the hub's `error`, not a crash in the server's connection handler. */
  private emitRefused(address: string, reason: AdmissionRefusal): void {
    this.counters.count(this.counters.refused, reason);
    if (hubChannels.refused.hasSubscribers) hubChannels.refused.publish({ hub: this, address, reason });
    try {
      this.emit('refused', address, reason);
    } catch (error) {
      this.emit('error', new ListenerError('refused', error));
    }
  }

  /** Reports a failed TLS handshake; a listener that throws is the hub's `error`. */
  private readonly emitTlsClientError = (error: Error, remote: RemoteEndpoint): void => {
    this.counters.tlsErrors += 1;
    try {
      this.emit('tlsClientError', error, remote);
    } catch (listenerError) {
      this.emit('error', new ListenerError('tlsClientError', listenerError));
    }
  };

  /**
   * Emits an event about one client whose listener must not break the hub's bookkeeping
   * (a broadcast half delivered, a `close()` that never resolves): a listener that throws
   * becomes the hub's `error`, as for `refused`.
   */
  private emitGuarded<E extends 'clientError' | 'slowConsumer' | 'disconnect'>(event: E, ...args: Parameters<HubEvents<T, D>[E]>): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      this.emit('error', new ListenerError(event, error));
    }
  }

  /** Runs listeners that a client's input triggers, so that one that throws cannot take the hub down. */
  private dispatch(event: string, peer: Peer<D>, emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.emit('clientError', new ListenerError(event, error), peer);
    }
  }

  private readonly onServerError = (error: Error): void => {
    // listen() reports its own failures; anything later is the hub's.
    if (!this.listenPending) this.emit('error', error);
  };
}

/**
 * A peer's line as relayed verbatim: never one that reads as the hub's own goodbye, which
 * `ChatClient` obeys (`hub.broadcast()` and `peer.send()` are the application speaking for
 * the hub, and are sent as they are).
 */
function defused<M>(message: M): M {
  return typeof message === 'string' ? (defuseFarewellLine(message) as M) : message;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

/** Five hex digits that tell hubs apart in guest names (within the 16 characters of a nickname). */
function hubTag(hubId: string): string {
  return createHash('sha256').update(hubId).digest('hex').slice(0, 5);
}

/** A policy option, checked at run time too: JavaScript callers get no compile-time check. */
function oneOf<P extends string>(name: string, value: P, allowed: readonly P[]): P {
  if (!allowed.includes(value)) throw new TypeError(`${name} must be ${allowed.map((choice) => `'${choice}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
