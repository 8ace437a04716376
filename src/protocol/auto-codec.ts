import type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from './codec.js';
import { lineCodec } from './line-codec.js';
import { RawDecoder, rawCodec } from './raw-codec.js';

const LF = 0x0a;

/**
 * Learns the peer's framing from the first chunk it sends: a chunk holding a newline means
 * `line`, one without means `raw` (the documented Python client sends bare text). The choice
 * then holds for the whole connection, and is reported through `onFramingDetected`.
 *
 * A peer taken for `raw` still has its newlines honoured: each chunk is a message, and a
 * newline inside a chunk ends a message too (the newline itself is dropped, and so are empty
 * messages). The documented Python server relays every client's bytes verbatim, so a client
 * facing it receives bare chunks from Python peers and newline-ended ones from `nc` or
 * `ChatClient` peers, sometimes several in one `recv`; this keeps each of them one message.
 */
export class AutoDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  private inner: Decoder | undefined;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  get bufferedBytes(): number {
    return this.inner?.bufferedBytes ?? 0;
  }

  push(chunk: Buffer): void {
    if (this.inner === undefined) {
      if (chunk.length === 0) return;
      const isLine = chunk.includes(LF);
      this.inner = isLine ? lineCodec.createDecoder(this.options) : unterminatedDecoder(this.options);
      this.options.onFramingDetected?.(isLine ? lineCodec : rawCodec);
    }
    this.inner.push(chunk);
  }

  end(): void {
    this.inner?.end();
  }
}

/** A raw decoder whose messages are also split at newlines, which are then dropped. */
function unterminatedDecoder(options: DecoderOptions<string>): Decoder {
  return new RawDecoder(new NewlineSplitter(options));
}

/**
 * Splits each raw message at its newlines for the caller's options. An object that forwards
 * (the options may keep their callbacks on a prototype, which a spread would not copy).
 */
class NewlineSplitter implements DecoderOptions<string> {
  readonly maxMessageBytes: number;
  readonly invalidUtf8: InvalidUtf8Policy;
  private readonly options: DecoderOptions<string>;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
    this.maxMessageBytes = options.maxMessageBytes;
    this.invalidUtf8 = options.invalidUtf8 ?? 'replace';
  }

  onMessage(text: string): void {
    for (const piece of text.split('\n')) {
      const message = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
      if (message.length > 0) this.options.onMessage(message);
    }
  }

  onError(error: FramingError): void {
    this.options.onError(error);
  }
}

/**
 * Line framing for peers that end their messages with a newline, raw for those that do
 * not, chosen per connection from the first bytes each peer sends. Until a peer has sent
 * anything it is written to as `line`. Lets `nc`, `ChatClient` and the documented Python
 * programs share one chat. See `docs/protocol.md` for what detection cannot tell apart.
 */
export const autoCodec: Codec<string> = {
  name: 'auto',
  delimited: true,
  encode: (message) => lineCodec.encode(message),
  createDecoder: (options) => new AutoDecoder(options),
};
