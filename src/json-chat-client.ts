import type { ChatClientConnectOptions } from './client.js';
import { ChatClient } from './client.js';
import type { DisconnectReason } from './disconnect-reason.js';
import type { ClientEnvelope, ErrorEnvelope, HubEnvelope, JoinEnvelope, LeaveEnvelope, NickEnvelope, SystemEnvelope } from './chat/envelope.js';
import { BroadcastChatError } from './errors.js';
import { jsonClientCodec, type JsonEnvelope } from './framing/json-codec.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

/** Options for `new JsonChatClient()`. */
export interface JsonChatClientOptions {
  /** Hub address. Default `127.0.0.1`. */
  host?: string;
  /** Hub port. Default 8000. */
  port?: number;
  /** Nickname to ask for on connect; `connect()` rejects if the hub refuses it. */
  nick?: string;
  /** Largest envelope accepted from the hub, in bytes. Default 64 KiB. */
  maxMessageBytes?: number;
  /** Milliseconds `connect()` waits for the connection and the hub's welcome. Default 10000. */
  connectTimeout?: number;
}

/** A chat message, as `message` events carry it. */
export interface ChatMessage {
  readonly id: string;
  /** The sender's nickname. */
  readonly sender: string;
  /** The room it was said in. */
  readonly room: string;
  readonly text: string;
  /** When the hub relayed it. */
  readonly time: Date;
  /** Whether it is a `/me` action. */
  readonly action: boolean;
}

/** A direct message, as `direct` events carry it. */
export interface DirectMessage {
  readonly id: string;
  readonly sender: string;
  readonly to: string;
  readonly text: string;
  readonly time: Date;
}

/** Listener signatures of `JsonChatClient`. */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type JsonChatClientEvents = {
  /** Connected and welcomed: `nick` is this client's name, `room` where it talks. */
  connect: (nick: string, room: string) => void;
  /** Someone said something in a room this client is in. */
  message: (message: ChatMessage) => void;
  /** Someone sent this client a direct message (or, with echo, this client sent one). */
  direct: (message: DirectMessage) => void;
  /** Someone (maybe this client) joined a room. */
  join: (event: JoinEnvelope) => void;
  /** Someone (maybe this client) left a room. */
  leave: (event: LeaveEnvelope) => void;
  /** Someone (maybe this client) changed nickname. */
  nick: (event: NickEnvelope) => void;
  /** A notice from the hub: a command's answer, or an announcement. */
  system: (event: SystemEnvelope) => void;
  /** The hub refused something this client sent. */
  refused: (event: ErrorEnvelope) => void;
  /** The connection is gone. */
  disconnect: (reason: DisconnectReason, error?: Error) => void;
  /** An envelope from the hub was invalid and dropped. Only emitted when something listens. */
  error: (error: Error) => void;
};

/** The hub refused a request of `JsonChatClient.connect()` (the nickname, say); `code` is the hub's. */
class RefusedError extends Error {
  readonly code: string;

  constructor(event: ErrorEnvelope) {
    super(event.message);
    this.name = 'RefusedError';
    this.code = event.code;
  }
}

/**
 * A client for chat hubs speaking the `json` framing (`framing: 'json'` or `'mixed'`):
 * typed events for messages, direct messages, joins, leaves and nick changes, and methods
 * for what slash commands do. Wraps a `ChatClient` using the JSON codec.
 */
export class JsonChatClient extends TypedEventEmitter<JsonChatClientEvents> {
  private readonly inner: ChatClient<JsonEnvelope>;
  private readonly wantedNick: string | undefined;
  private readonly connectTimeout: number;
  private ownNick = '';
  private currentRoom = '';
  private readonly joined = new Set<string>();

  constructor(options: JsonChatClientOptions = {}) {
    super();
    this.wantedNick = options.nick;
    this.connectTimeout = options.connectTimeout ?? 10_000;
    this.inner = new ChatClient<JsonEnvelope>({
      framing: jsonClientCodec,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
      connectTimeout: this.connectTimeout,
    });
    this.inner.on('message', (envelope) => {
      this.onEnvelope(envelope as HubEnvelope);
    });
    this.inner.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    this.inner.on('disconnect', (reason, error) => {
      this.emit('disconnect', reason, error);
    });
  }

  /** This client's nickname, once welcomed. */
  get nick(): string {
    return this.ownNick;
  }

  /** The room this client talks in. */
  get room(): string {
    return this.currentRoom;
  }

  /** The rooms this client is in. */
  get rooms(): ReadonlySet<string> {
    return this.joined;
  }

  /** Whether the connection is up. */
  get isConnected(): boolean {
    return this.inner.isConnected;
  }

  /**
   * Connects, says hello (asking for `options.nick`) and resolves once the hub has
   * welcomed this client and granted the name. Rejects with a `ConnectError`, or an error
   * whose `code` is the hub's reason (`ERR_NAME_TAKEN`...) after closing the connection.
   */
  async connect(options: ChatClientConnectOptions = {}): Promise<void> {
    await this.inner.connect(options);
    const welcomed = this.waitForWelcome();
    this.write(this.wantedNick === undefined ? { v: 1, type: 'hello' } : { v: 1, type: 'hello', nick: this.wantedNick });
    try {
      await welcomed;
    } catch (error) {
      await this.inner.close();
      throw error;
    }
    this.emit('connect', this.ownNick, this.currentRoom);
  }

  /** Says `text` in the current room, or in `room` (which this client must be in). */
  send(text: string, room?: string): boolean {
    return this.write(room === undefined ? { v: 1, type: 'message', text } : { v: 1, type: 'message', text, room });
  }

  /** Sends `text` to `nick` alone. */
  sendTo(nick: string, text: string): boolean {
    return this.write({ v: 1, type: 'direct', to: nick, text });
  }

  /** Joins `room` and talks there; a `join` event confirms it. */
  join(room: string): boolean {
    return this.write({ v: 1, type: 'join', room });
  }

  /** Leaves `room`; a `leave` event confirms it. */
  leave(room: string): boolean {
    return this.write({ v: 1, type: 'leave', room });
  }

  /** Asks for a new nickname (a method: the `nick` property reads the current one); a `nick` event confirms it, a `refused` event refuses it. */
  rename(nick: string): boolean {
    return this.write({ v: 1, type: 'nick', nick });
  }

  /** Runs a slash command such as `/who` or `/roll 2d6`; answers arrive as `system` events. */
  command(line: string): boolean {
    return this.send(line.startsWith('/') ? line : `/${line}`);
  }

  /** Flushes what is queued and closes the connection. */
  close(): Promise<void> {
    return this.inner.close();
  }

  /** Closes the client; lets `await using client = new JsonChatClient()` clean up. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private write(envelope: ClientEnvelope): boolean {
    return this.inner.send(envelope);
  }

  private waitForWelcome(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let welcomed = false;
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.off('system', onSystem);
        this.off('nick', onNick);
        this.off('refused', onRefused);
        this.off('disconnect', onDisconnect);
        if (error === undefined) resolve();
        else reject(error);
      };
      const done = (): void => {
        if (welcomed && (this.wantedNick === undefined || this.ownNick.toLowerCase() === this.wantedNick.toLowerCase())) settle();
      };
      const onSystem = (event: SystemEnvelope): void => {
        if (event.nick === undefined) return;
        welcomed = true;
        done();
      };
      const onNick = (): void => {
        done();
      };
      const onRefused = (event: ErrorEnvelope): void => {
        settle(new RefusedError(event));
      };
      const onDisconnect = (): void => {
        settle(new BroadcastChatError('ERR_NOT_CONNECTED', 'the hub closed the connection before welcoming this client'));
      };
      const timer = setTimeout(() => {
        settle(new BroadcastChatError('ERR_CONNECT_FAILED', `no welcome from the hub within ${this.connectTimeout} ms`));
      }, this.connectTimeout);
      timer.unref();
      this.on('system', onSystem);
      this.on('nick', onNick);
      this.on('refused', onRefused);
      this.on('disconnect', onDisconnect);
    });
  }

  private onEnvelope(envelope: HubEnvelope): void {
    switch (envelope.type) {
      case 'message':
        this.emit('message', { id: envelope.id, sender: envelope.sender, room: envelope.room, text: envelope.text, time: new Date(envelope.ts), action: envelope.action === true });
        return;
      case 'direct':
        this.emit('direct', { id: envelope.id, sender: envelope.sender, to: envelope.to, text: envelope.text, time: new Date(envelope.ts) });
        return;
      case 'join':
        if (envelope.nick === this.ownNick) {
          this.joined.add(envelope.room);
          this.currentRoom = envelope.room;
        }
        this.emit('join', envelope);
        return;
      case 'leave':
        if (envelope.nick === this.ownNick) {
          this.joined.delete(envelope.room);
          if (this.currentRoom === envelope.room) this.currentRoom = [...this.joined].at(-1) ?? '';
        }
        this.emit('leave', envelope);
        return;
      case 'nick':
        if (envelope.from === this.ownNick) this.ownNick = envelope.nick;
        this.emit('nick', envelope);
        return;
      case 'system':
        if (envelope.nick !== undefined && this.ownNick === '') {
          this.ownNick = envelope.nick;
          if (envelope.room !== undefined) {
            this.joined.add(envelope.room);
            this.currentRoom = envelope.room;
          }
        }
        this.emit('system', envelope);
        return;
      case 'error':
        this.emit('refused', envelope);
        return;
    }
  }
}
