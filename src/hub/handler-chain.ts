import { HandlerError } from './handler-error.js';
import type { MessageContext } from './message-context.js';
import type { Peer } from './peer.js';

/**
 * A step every incoming message passes before the relay. It may change `ctx.message`,
 * `ctx.room` or `ctx.target`, answer with `ctx.reply()`, or stop the message with
 * `ctx.drop()`. When it returns a promise, later messages of the same sender wait for it.
 */
export type MessageHandler<T = string, D = Record<string, unknown>> = (ctx: MessageContext<T, D>) => void | Promise<void>;

/** The relay at the end of the chain, named in the `HandlerError` of a formatter that throws. */
const RELAY_STAGE: Stage<unknown, unknown> = { handler: () => undefined, label: 'relay' };

/** A handler and the name it is reported under. */
interface Stage<T, D> {
  readonly handler: MessageHandler<T, D>;
  readonly label: string;
}

/**
 * What the chain needs from its hub.
 * @internal
 */
export interface ChainHost<T, D> {
  /** `ctx` starts through the chain (at once, or once the sender's earlier messages are done); `false` drops it. */
  begin(ctx: MessageContext<T, D>): boolean;
  /** The chain let `ctx` through: relay it. */
  finish(ctx: MessageContext<T, D>): void;
  /** A handler threw or rejected; the message is dropped. */
  failed(peer: Peer<D>, error: HandlerError): void;
}

/** Limits on the messages one sender may have waiting behind a slow handler. */
export interface HandlerQueueLimits {
  /** Pause reading from the sender when this many messages wait. */
  readonly maxMessages: number;
  /** Pause reading from the sender when this many bytes (UTF-16 units for text) wait. */
  readonly maxBytes: number;
}

/** Messages of one sender that wait for an async handler to finish. */
interface Inbox<T, D> {
  readonly peer: Peer<D>;
  items: MessageContext<T, D>[];
  head: number;
  bytes: number;
  paused: boolean;
}

/**
 * Runs the hub's handlers over each message, in order. Handlers that return nothing keep
 * the whole path synchronous, with no promise allocated. Once a handler returns a promise,
 * that sender's later messages queue behind it (so a sender's messages leave in order)
 * while other senders go on; a sender whose queue grows past the limits is paused until
 * it drains.
 * @internal
 */
export class HandlerChain<T, D> {
  private readonly host: ChainHost<T, D>;
  private readonly limits: HandlerQueueLimits;
  private handlers: Stage<T, D>[] = [];
  private finalStage: Stage<T, D> | undefined;
  /** Rebuilt on every change, so a message that is half-way through keeps the list it started with. */
  private stages: readonly Stage<T, D>[] = [];
  private readonly inboxes = new Map<Peer<D>, Inbox<T, D>>();

  constructor(host: ChainHost<T, D>, limits: HandlerQueueLimits) {
    this.host = host;
    this.limits = limits;
  }

  /** Whether there is anything to run. */
  get isEmpty(): boolean {
    return this.stages.length === 0;
  }

  /** Appends a handler. */
  use(handler: MessageHandler<T, D>): void {
    const index = this.handlers.length;
    const label = handler.name === '' ? `#${index}` : `'${handler.name}' (#${index})`;
    this.handlers = [...this.handlers, { handler, label }];
    this.rebuild();
  }

  /** Removes a handler; returns whether it was there. */
  remove(handler: MessageHandler<T, D>): boolean {
    const kept = this.handlers.filter((stage) => stage.handler !== handler);
    if (kept.length === this.handlers.length) return false;
    this.handlers = kept;
    this.rebuild();
    return true;
  }

  /** Sets the step that runs after every handler (the command dispatcher), or removes it. */
  setFinal(handler: MessageHandler<T, D> | undefined, label = 'commands'): void {
    this.finalStage = handler === undefined ? undefined : { handler, label };
    this.rebuild();
  }

  /** Runs the chain over one message, or queues it behind the sender's pending one. */
  push(ctx: MessageContext<T, D>): void {
    const inbox = this.inboxes.get(ctx.peer);
    if (inbox === undefined) {
      this.run(ctx, this.stages, 0);
      return;
    }
    inbox.items.push(ctx);
    inbox.bytes += sizeOf(ctx.message);
    if (!inbox.paused && (inbox.items.length - inbox.head >= this.limits.maxMessages || inbox.bytes >= this.limits.maxBytes)) {
      inbox.paused = true;
      ctx.peer.pauseReading();
    }
  }

  /** Forgets a sender that is gone; what it had queued is dropped. */
  forget(peer: Peer<D>): void {
    this.inboxes.delete(peer);
  }

  /** Returns `true` when the message finished synchronously, `false` when it waits for a promise. */
  private run(ctx: MessageContext<T, D>, stages: readonly Stage<T, D>[], from: number): boolean {
    if (from === 0 && !this.host.begin(ctx)) return true;
    for (let index = from; index < stages.length; index += 1) {
      const stage = stages[index];
      if (stage === undefined) break;
      let result: unknown;
      try {
        result = stage.handler(ctx);
      } catch (error) {
        this.fail(ctx, stage, error);
        return true;
      }
      if (isThenable(result)) {
        this.wait(ctx, stages, index, stage, result);
        return false;
      }
      if (ctx.dropped) return true;
    }
    try {
      this.host.finish(ctx);
    } catch (error) {
      // Application code runs here too (a chat formatter): it must not end the process.
      this.fail(ctx, RELAY_STAGE, error);
    }
    return true;
  }

  private wait(ctx: MessageContext<T, D>, stages: readonly Stage<T, D>[], index: number, stage: Stage<T, D>, pending: PromiseLike<unknown>): void {
    const peer = ctx.peer;
    if (!this.inboxes.has(peer)) this.inboxes.set(peer, { peer, items: [], head: 0, bytes: 0, paused: false });
    pending.then(
      () => {
        this.resume(peer, () => ctx.dropped || this.run(ctx, stages, index + 1));
      },
      (error: unknown) => {
        this.resume(peer, () => {
          this.fail(ctx, stage, error);
          return true;
        });
      },
    );
  }

  /** Runs the rest of a message that waited; whatever happens, the sender's queue moves on. */
  private resume(peer: Peer<D>, step: () => boolean): void {
    let finished = true;
    try {
      finished = step();
    } finally {
      if (finished) this.settle(peer);
    }
  }

  /** The sender's pending message is done: run what queued behind it, until one waits again. */
  private settle(peer: Peer<D>): void {
    const inbox = this.inboxes.get(peer);
    if (inbox === undefined) return; // the peer went away meanwhile
    while (inbox.head < inbox.items.length) {
      const next = inbox.items[inbox.head];
      if (next === undefined || !peer.isOpen) break;
      // Let the finished context be collected; the slot is never read again.
      inbox.items[inbox.head] = undefined as unknown as MessageContext<T, D>;
      inbox.head += 1;
      inbox.bytes -= sizeOf(next.message);
      if (!this.run(next, this.stages, 0)) {
        this.compact(inbox);
        return;
      }
    }
    this.inboxes.delete(peer);
    if (inbox.paused) peer.resumeReading();
  }

  private compact(inbox: Inbox<T, D>): void {
    if (inbox.head > 64 && inbox.head * 2 > inbox.items.length) {
      inbox.items = inbox.items.slice(inbox.head);
      inbox.head = 0;
    }
    if (inbox.paused && inbox.items.length - inbox.head < this.limits.maxMessages / 2 && inbox.bytes < this.limits.maxBytes / 2) {
      inbox.paused = false;
      inbox.peer.resumeReading();
    }
  }

  private fail(ctx: MessageContext<T, D>, stage: Stage<T, D>, error: unknown): void {
    ctx.drop();
    this.host.failed(ctx.peer, error instanceof HandlerError ? error : new HandlerError(ctx.peer.id, stage.label, error));
  }

  private rebuild(): void {
    this.stages = this.finalStage === undefined ? this.handlers : [...this.handlers, this.finalStage];
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== undefined && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function sizeOf(message: unknown): number {
  if (typeof message === 'string') return message.length;
  if (message instanceof Uint8Array) return message.byteLength;
  return 1;
}
