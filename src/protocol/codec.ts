import type { EnvelopeError } from './envelope-error.js';
import type { InvalidUtf8Error, MessageTooLargeError } from '../errors.js';

/** What a decoder may report besides messages. The message in question is dropped; the decoder goes on. */
export type FramingError = MessageTooLargeError | InvalidUtf8Error | EnvelopeError;

/** How a text decoder treats bytes that are not valid UTF-8. */
export type InvalidUtf8Policy = 'replace' | 'reject';

/**
 * What a decoder is told when it is created for one connection.
 *
 * Call the callbacks as methods of this object (`options.onMessage(message)`), and keep the
 * object itself rather than copies of its fields: the hub passes one object per connection
 * whose callbacks are methods of its class, not closures, so `const { onMessage } = options`
 * or `{ ...options }` would lose them. A decoder that wraps another passes `options` on, or an
 * object of its own that forwards to it.
 */
export interface DecoderOptions<T> {
  /** The most bytes one message may have; nothing larger is ever buffered. */
  readonly maxMessageBytes: number;
  /** `replace` (default) substitutes U+FFFD for invalid sequences; `reject` drops the message. */
  readonly invalidUtf8?: InvalidUtf8Policy;
  /** Receives each complete message, in order. */
  readonly onMessage: (message: T) => void;
  /** Receives each message that was dropped, and why. */
  readonly onError: (error: FramingError) => void;
  /**
   * Called by adaptive codecs (such as `auto`) once they know which framing the peer
   * speaks, so that what is sent back is framed the same way.
   */
  readonly onFramingDetected?: (codec: Codec<T>) => void;
}

/** An incremental decoder for one connection: bytes in, messages out through the callbacks. */
export interface Decoder {
  /** Feeds the next chunk read from the connection. Never throws for any input. */
  push(chunk: Buffer): void;
  /** The peer finished sending: deliver or discard what is held. */
  end(): void;
  /** Bytes held for a message that is not complete yet. */
  readonly bufferedBytes: number;
  /**
   * The connection is gone (closed, reset or destroyed, after `end()` or without it): stop any
   * timer and drop what is held, delivering nothing more. Nothing else is called afterwards.
   * Optional: only decoders that keep timers (such as `auto`'s) need it; call it if present.
   */
  dispose?(): void;
}

/**
 * A wire format: a pure encoder plus a factory of per-connection decoders.
 * Implement this to bring your own framing.
 */
export interface Codec<T> {
  /** A short name, shown in logs and `peer.framing`. */
  readonly name: string;
  /**
   * Whether encoded frames carry their own boundaries, so several may be written in one
   * `write()`. `raw` has none: each message must go out on its own.
   */
  readonly delimited: boolean;
  /** Encodes one message into the bytes to write. */
  encode(message: T | string | Uint8Array): Buffer;
  /** Creates the decoder for one connection. */
  createDecoder(options: DecoderOptions<T>): Decoder;
}
