import type { InputKind } from '../protocol/classify.js';
import type { ClientEnvelope, ClientPongEnvelope } from '../protocol/envelope.js';
import type { ChatMode } from './chat/chat-mode.js';
import { CommandRegistry, parseCommand, type CommandHandler, type CommandOptions } from './commands.js';
import { HandlerChain, type HandlerQueueLimits, type MessageHandler } from './handler-chain.js';
import { HandlerError } from './handler-error.js';
import type { BroadcastHub } from './hub.js';
import { CommandRate } from './limits/command-rate.js';
import { FloodControl } from './limits/flood-control.js';
import type { FloodOptions } from './limits/limit-options.js';
import { MessageContext, type ContextReplies } from './message-context.js';
import type { Peer } from './peer.js';
import type { HubCounters } from './hub-counters.js';

/**
 * What the inbound pipeline needs from its hub.
 * @internal
 */
export interface InboundHost<T, D> {
  /** The hub handlers and commands see as `ctx.hub`. */
  readonly hub: BroadcastHub<T, D>;
  /** The hub's counters, for `hub.stats()` (flood control's actions). */
  readonly counters: HubCounters;
  readonly replies: ContextReplies<D>;
  readonly chat: ChatMode<D> | undefined;
  /** Whether what gets through the handlers is relayed (`relay` option). */
  readonly relay: boolean;
  /** The auth gate's turn: `true` when it took the message (the peer is not in yet). */
  intercept(peer: Peer<D>, message: T, kind: InputKind): boolean;
  /** A heartbeat answer, for the liveness sweeper. */
  pong(peer: Peer<D>, ts: number): void;
  /** Runs the `message` listeners (guarded: a listener that throws is the peer's `clientError`). */
  announce(peer: Peer<D>, message: T): void;
  /** The plain relay: `message` verbatim to the sender's room, and to the other hubs. */
  relayPlain(peer: Peer<D>, message: T): void;
  /** Relays what got through the handlers, as `hub.relayMessage()` does. */
  relayMessage(peer: Peer<D>, message: T, room: string, to: Peer<D> | undefined): void;
  /** A handler or command failed on a peer's message. */
  failed(peer: Peer<D>, error: Error): void;
}

/**
 * The way in: every message a peer's protocol decoded, from the auth gate through liveness,
 * flood control, the `message` event, the handler chain and the commands, to the relay. The
 * hub's one entry point is `receive()`; the order of the steps is decided here alone.
 * @internal
 */
export class Inbound<T, D> {
  /** The slash commands, run as the chain's last step. */
  readonly commands = new CommandRegistry<T, D>();
  private readonly host: InboundHost<T, D>;
  private readonly chain: HandlerChain<T, D>;
  private readonly flood: FloodControl<T, D> | undefined;
  private readonly commandRate: CommandRate<D> | undefined;

  constructor(
    host: InboundHost<T, D>,
    chainLimits: HandlerQueueLimits,
    flood: Required<FloodOptions> | undefined,
    commandRate: { readonly burst: number; readonly rate: number; readonly expensive?: { readonly burst: number; readonly rate: number } } | undefined,
  ) {
    this.host = host;
    this.chain = new HandlerChain<T, D>(
      {
        finish: (ctx) => {
          if (host.relay && ctx.peer.isOpen) host.relayMessage(ctx.peer, ctx.message, ctx.room, ctx.target);
        },
        begin: (ctx) => this.begin(ctx),
        failed: (peer, error) => {
          host.failed(peer, error);
        },
      },
      chainLimits,
    );
    this.flood =
      flood === undefined
        ? undefined
        : new FloodControl<T, D>(
            {
              counters: host.counters,
              accept: (peer, message) => {
                this.accept(peer, message);
              },
              warn: (peer, text) => {
                host.replies.refuse(peer, 'ERR_FLOOD', text);
              },
            },
            flood,
          );
    this.commandRate =
      commandRate === undefined
        ? undefined
        : new CommandRate<D>(
            {
              warn: (peer, text) => {
                host.replies.refuse(peer, 'ERR_COMMAND_RATE', text);
              },
            },
            commandRate,
          );
    // Chat mode always has commands (the built-in ones, or the application's later).
    if (host.chat !== undefined) this.chain.setFinal(this.runCommand);
  }

  /** Where every decoded message starts, classified once by the peer's protocol. */
  receive(peer: Peer<D>, message: T, kind: InputKind): void {
    // A connection that has not authenticated yet has its messages taken by the gate.
    if (this.host.intercept(peer, message, kind)) return;
    // Credentials in a text line are the authenticate hook's alone: a hub without one drops
    // them rather than relay a password to the room.
    if (kind === 'hello' && typeof message === 'string') return;
    // A heartbeat answer is the liveness sweeper's alone: never counted as flooding, never a message.
    if (kind === 'pong') {
      this.host.pong(peer, (message as ClientPongEnvelope).ts);
      return;
    }
    // A command costs far more than its bytes: its own allowance, before flood control counts it.
    // Only where commands run: a plain hub with none relays `/text` as the message it is.
    if (kind === 'command' && this.runsCommands && this.commandRate?.admit(peer, message) === false) return;
    // Flood control comes next, and costs one field read when it is off.
    if (this.flood !== undefined && !this.flood.admit(peer, message)) return;
    this.accept(peer, message);
  }

  /** Appends a handler to the chain. */
  use(handler: MessageHandler<T, D>): void {
    this.chain.use(handler);
  }

  /** Removes a handler; returns whether it was there. */
  removeHandler(handler: MessageHandler<T, D>): boolean {
    return this.chain.remove(handler);
  }

  /** Registers (or replaces) a slash command; commands then run at the end of the chain. */
  setCommand(name: string, handler: CommandHandler<T, D>, options?: CommandOptions): void {
    this.commands.set(name, handler, options);
    this.chain.setFinal(this.runCommand);
  }

  /** Removes a slash command; returns whether it was registered. */
  deleteCommand(name: string): boolean {
    const removed = this.commands.delete(name);
    // Outside chat mode, a hub with no commands left relays messages starting with `/` as they are.
    if (this.host.chat === undefined && this.commands.size === 0) this.chain.setFinal(undefined);
    return removed;
  }

  /** Whether slash commands run here (chat mode, or commands registered), rather than being relayed. */
  private get runsCommands(): boolean {
    return this.host.chat !== undefined || this.commands.size > 0;
  }

  /** Forgets what is held for a peer that is gone. */
  forget(peer: Peer<D>): void {
    this.flood?.forget(peer);
    this.commandRate?.forget(peer);
    this.chain.forget(peer);
  }

  /** What follows flood control: the `message` event, the handler chain and the relay. */
  private accept(peer: Peer<D>, message: T): void {
    const chat = this.host.chat;
    if (chat === undefined && this.chain.isEmpty) {
      // The plain relay, kept free of any per-message allocation beyond the frame cache.
      this.host.announce(peer, message);
      if (this.host.relay && peer.isOpen) this.host.relayPlain(peer, message);
      return;
    }
    let text = message;
    let room = peer.room;
    let envelope: ClientEnvelope | undefined;
    if (chat !== undefined) {
      const input = chat.read(message);
      if (input === undefined) return;
      text = input.text as T;
      room = input.room ?? room;
      envelope = input.envelope;
    }
    this.host.announce(peer, text);
    if (!peer.isOpen) return;
    this.chain.push(new MessageContext<T, D>(this.host.hub, this.host.replies, peer, text, room, envelope));
  }

  /**
   * A message starts through the chain, at once or after the sender's earlier messages: its
   * room is the one the sender talks in now, so that `/join dev` then `hello` lands in dev even
   * behind a slow handler. A JSON message naming a room is checked for membership here, for
   * the same reason. Returns `false` to drop it.
   */
  private begin(ctx: MessageContext<T, D>): boolean {
    const named = ctx.envelope?.type === 'message' ? ctx.envelope.room : undefined;
    if (named === undefined) {
      ctx.room = ctx.peer.room;
      return true;
    }
    if (ctx.peer.rooms.has(named)) return true;
    ctx.refuse('ERR_NOT_IN_ROOM', `you are not in room ${named}; /join it first`);
    return false;
  }

  /** The chain's last step: runs a registered slash command instead of relaying. */
  private readonly runCommand = (ctx: MessageContext<T, D>): void | Promise<void> => {
    const text = ctx.message;
    if (typeof text !== 'string' || text.charCodeAt(0) !== 0x2f) return undefined;
    // `//text` sends `/text`.
    if (text.charCodeAt(1) === 0x2f) {
      ctx.message = text.slice(1) as T;
      return undefined;
    }
    const invocation = parseCommand(text);
    if (invocation === undefined) return undefined;
    const entry = this.commands.get(invocation.name);
    if (entry === undefined) {
      if (this.host.chat !== undefined) ctx.refuse('ERR_UNKNOWN_COMMAND', `unknown command /${invocation.name}; /help lists the commands`);
      return undefined;
    }
    ctx.drop();
    const label = `/${entry.name}`;
    let result: void | Promise<void>;
    try {
      result = entry.handler(ctx, invocation);
    } catch (error) {
      throw new HandlerError(ctx.peer.id, label, error);
    }
    if (result === undefined) return undefined;
    return Promise.resolve(result).catch((error: unknown) => {
      throw new HandlerError(ctx.peer.id, label, error);
    });
  };
}
