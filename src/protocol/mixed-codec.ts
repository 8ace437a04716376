import { AutoDecoder } from './auto-codec.js';
import type { Decoder, DecoderOptions } from './codec.js';
import { textProtocol, type Protocol } from './protocol.js';
import { jsonCodec } from './json-codec.js';
import { lineCodec } from './line-codec.js';

const OPEN_BRACE = 0x7b;

/**
 * Learns each peer's framing from its first bytes: a JSON object (`{` first, after any
 * whitespace) means `json`; otherwise it is `auto`'s choice of `line` or `raw` (at the first
 * newline, or after a quiet spell: see `AutoDecoder`). Reported through `onFramingDetected`.
 *
 * May hold `auto`'s timer: call `dispose()` when the connection closes.
 */
export class MixedDecoder implements Decoder {
  private readonly options: DecoderOptions<string>;
  private inner: Decoder | undefined;
  /** Whitespace that came before the first real byte: part of a line peer's first message. */
  private leading: Buffer | undefined;

  constructor(options: DecoderOptions<string>) {
    this.options = options;
  }

  get bufferedBytes(): number {
    return this.inner?.bufferedBytes ?? this.leading?.length ?? 0;
  }

  push(chunk: Buffer): void {
    if (this.inner === undefined) {
      const first = firstNonSpace(chunk);
      if (first === -1) {
        // Nothing but whitespace yet: keep it (it starts a line peer's first message) and wait
        // for a real first byte, but never past the message limit.
        this.leading = this.leading === undefined ? Buffer.from(chunk) : Buffer.concat([this.leading, chunk]);
        if (this.leading.length <= this.options.maxMessageBytes) return;
        this.inner = new AutoDecoder(this.options);
      } else if (chunk[first] === OPEN_BRACE) {
        this.inner = jsonCodec.createDecoder(this.options);
        this.options.onFramingDetected?.(jsonCodec);
        // Whitespace before a JSON object means nothing (and blank lines are not envelopes).
        this.leading = undefined;
      } else {
        this.inner = new AutoDecoder(this.options);
      }
      const leading = this.leading;
      this.leading = undefined;
      if (leading !== undefined) {
        // The whitespace starts the first message. Past the limit, `leading` already ends with
        // this chunk (appended above).
        const overflowed = first === -1;
        this.inner.push(overflowed ? leading : Buffer.concat([leading, chunk]));
        return;
      }
    }
    this.inner.push(chunk);
  }

  end(): void {
    if (this.inner === undefined && this.leading !== undefined) {
      this.inner = new AutoDecoder(this.options);
      this.inner.push(this.leading);
      this.leading = undefined;
    }
    this.inner?.end();
  }

  /** The connection is gone: stops `auto`'s timer, if any, and drops what is held. */
  dispose(): void {
    this.leading = undefined;
    this.inner?.dispose?.();
  }
}

function firstNonSpace(chunk: Buffer): number {
  for (let index = 0; index < chunk.length; index += 1) {
    const byte = chunk[index];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return index;
  }
  return -1;
}

/**
 * `json`, `line` or `raw`, chosen per connection (a `{` first means `json`; text peers are
 * decided as `auto` decides them), so that programs speaking JSON and people on `nc` share
 * one chat. Until it is decided, a peer is written to as `line`.
 */
export const mixedCodec: Protocol<string> = {
  ...textProtocol,
  name: 'mixed',
  delimited: true,
  encode: (message) => lineCodec.encode(message),
  createDecoder: (options) => new MixedDecoder(options),
};
