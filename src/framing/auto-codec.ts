import type { Codec, Decoder, DecoderOptions } from './codec.js';
import { lineCodec } from './line-codec.js';
import { rawCodec } from './raw-codec.js';

/**
 * Learns the peer's framing from the first chunk it sends: a chunk holding a newline means
 * `line`, one without means `raw` (the documented Python client sends bare text). The choice
 * then holds for the whole connection, and is reported through `onFramingDetected`.
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
      const detected = chunk.includes(0x0a) ? lineCodec : rawCodec;
      this.inner = detected.createDecoder(this.options);
      this.options.onFramingDetected?.(detected);
    }
    this.inner.push(chunk);
  }

  end(): void {
    this.inner?.end();
  }
}

/**
 * Line framing for peers that end their messages with a newline, raw for those that do
 * not, chosen per connection from the first bytes each peer sends. Until a peer has sent
 * anything it is written to as `line`. Lets `nc`, `ChatClient` and the documented Python
 * programs share one chat.
 */
export const autoCodec: Codec<string> = {
  name: 'auto',
  delimited: true,
  encode: (message) => lineCodec.encode(message),
  createDecoder: (options) => new AutoDecoder(options),
};
