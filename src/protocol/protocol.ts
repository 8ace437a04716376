import { classify, type InputKind } from './classify.js';
import type { Codec } from './codec.js';
import type { ChatEvent } from './envelope.js';
import { farewellAsLine, refusalAsLine, type Farewell } from './farewell.js';

/**
 * What a protocol needs to render one chat event: the hub's text rendering of it (its
 * formatter's line, made safe), computed at most once per event whoever asks, and what kind
 * of event it is.
 */
export interface RenderContext {
  /** Announcements (joins, leaves, welcomes) as opposed to messages and replies. */
  readonly notice: boolean;
  /** Whether peers without message boundaries (`raw`) get notices too (`chat.rawNotices`). */
  readonly rawNotices: boolean;
  /** The event as one line of text, or `undefined` when text peers are not to get it. */
  text(): string | undefined;
}

/**
 * A wire protocol, whole: the codec (bytes in and out) plus what the hub needs to speak it
 * without knowing it: what each decoded message is, how each chat event looks on this wire,
 * and how a goodbye is said. Adding a protocol to the hub is writing one of these.
 */
export interface Protocol<T> extends Codec<T> {
  /** What a decoded message is. */
  classify(message: T): InputKind;
  /** The frame for `event`, or `undefined` when peers of this protocol are not to get it. */
  render(event: ChatEvent, context: RenderContext): Buffer | undefined;
  /** The frame that tells a peer why it is being closed, or `undefined` when the protocol has no room for one. */
  farewell(farewell: Farewell): Buffer | undefined;
  /** What a connection turned away at the door is told, before it has sent anything. */
  refusal(farewell: Farewell): Buffer | undefined;
  /**
   * `true` for a protocol object that stands for one connection (an IRC session: its replies
   * name its client) and shares the frames of broadcast events between connections itself.
   * The hub then asks it for every receiver instead of keeping its frame for the next
   * receiver of the same protocol object, which for such protocols never comes.
   */
  readonly perConnection?: boolean;
}

/** Whether `codec` carries the protocol methods already. */
export function isProtocol<T>(codec: Codec<T>): codec is Protocol<T> {
  const candidate = codec as Partial<Protocol<T>>;
  return typeof candidate.classify === 'function' && typeof candidate.render === 'function' && typeof candidate.farewell === 'function' && typeof candidate.refusal === 'function';
}

const wrapped = new WeakMap<Codec<unknown>, Protocol<unknown>>();

/**
 * A codec of the application's own as a protocol: delimited codecs get the text rendering of
 * chat events (as `line` does), others the bare text (as `raw` does); neither is sent a
 * farewell or a refusal, since a notice would be taken for a chat message. The same codec
 * always gives the same object, so frames cached per protocol are shared.
 */
export function asProtocol<T>(codec: Codec<T>): Protocol<T> {
  if (isProtocol(codec)) return codec;
  let protocol = wrapped.get(codec) as Protocol<T> | undefined;
  if (protocol === undefined) {
    protocol = {
      name: codec.name,
      delimited: codec.delimited,
      encode: (message) => codec.encode(message),
      createDecoder: (options) => codec.createDecoder(options),
      classify,
      render: (codec as { structured?: unknown }).structured === true ? renderEnvelope : codec.delimited ? renderAsLine : renderBare,
      farewell: sayNothing,
      refusal: sayNothing,
    };
    wrapped.set(codec, protocol);
  }
  return protocol;
}

/** Renders an event as the hub's line of text (how `line`, `auto` and `mixed` text peers see it). */
export function renderAsLine(this: Codec<unknown>, _event: ChatEvent, context: RenderContext): Buffer | undefined {
  const line = context.text();
  return line === undefined ? undefined : this.encode(line);
}

/**
 * Renders an event for a peer without message boundaries (`raw`, the documented Python
 * client): what was said, byte for byte, and notices only when asked for (`rawNotices`),
 * since a raw peer cannot tell them from messages.
 */
export function renderBare(this: Codec<unknown>, event: ChatEvent, context: RenderContext): Buffer | undefined {
  if (!context.notice) {
    if (event.type === 'message' || event.type === 'direct' || event.type === 'system') return this.encode(event.text);
    if (event.type === 'error') return this.encode(event.message);
  }
  if (!context.rawNotices) return undefined;
  const line = context.text();
  return line === undefined ? undefined : this.encode(line);
}

/** Renders an event for a structured codec (`json`, or one of the application's): the event object itself. */
function renderEnvelope(this: Codec<unknown>, event: ChatEvent): Buffer {
  return this.encode(event);
}

/** For protocols that have no room for a notice. */
export function sayNothing(): undefined {
  return undefined;
}

/** The protocol methods shared by the text framings (`line`, `auto`, `mixed`): events as the hub's line, farewells and refusals as one line. */
export const textProtocol = {
  classify,
  render: renderAsLine,
  farewell: farewellAsLine,
  refusal: refusalAsLine,
} as const;
