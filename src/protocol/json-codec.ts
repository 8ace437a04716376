import { classify } from './classify.js';
import type { ChatEvent, ClientEnvelope, HubEnvelope } from './envelope.js';
import { byeEnvelope, type Farewell } from './farewell.js';
import type { Protocol } from './protocol.js';
import { PROTOCOL_VERSION } from './envelope.js';
import { EnvelopeError } from './envelope-error.js';
import { DEFAULT_MAX_TEXT_LENGTH, parseEnvelope, type EnvelopeSource } from './envelope-schema.js';
import type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from './codec.js';
import { LineDecoder } from './line-codec.js';
import type { StructuredCodec } from './structured.js';

/** Any envelope of the `json` protocol, in either direction. */
export type JsonEnvelope = HubEnvelope | ClientEnvelope;

/** Options for `createJsonCodec()`. */
export interface JsonCodecOptions {
  /**
   * Whose envelopes the decoder accepts: `'client'` (default; what a hub reads) or `'hub'`
   * (what a client reads).
   */
  source?: EnvelopeSource;
  /** Longest `text` field accepted, in characters. Default 4000. */
  maxTextLength?: number;
}

/**
 * Newline-delimited JSON envelopes. Each line is validated against the envelope schema
 * before anything else sees it; a bad line is reported as an `EnvelopeError` through
 * `onError` and dropped, and the decoder goes on with the next line.
 */
export class JsonDecoder implements Decoder {
  private readonly lines: LineDecoder;

  constructor(options: DecoderOptions<unknown>, source: EnvelopeSource, maxTextLength: number) {
    this.lines = new LineDecoder(new EnvelopeLines(options, source, maxTextLength));
  }

  get bufferedBytes(): number {
    return this.lines.bufferedBytes;
  }

  push(chunk: Buffer): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
  }
}

/**
 * Where the line decoder inside a `JsonDecoder` reports: parses each line into an envelope for
 * the caller's options. One object, not closures, per connection; it calls `options` as methods.
 */
class EnvelopeLines implements DecoderOptions<string> {
  readonly maxMessageBytes: number;
  readonly invalidUtf8: InvalidUtf8Policy;
  private readonly options: DecoderOptions<unknown>;
  private readonly source: EnvelopeSource;
  private readonly maxTextLength: number;

  constructor(options: DecoderOptions<unknown>, source: EnvelopeSource, maxTextLength: number) {
    this.options = options;
    this.maxMessageBytes = options.maxMessageBytes;
    this.invalidUtf8 = options.invalidUtf8 ?? 'replace';
    this.source = source;
    this.maxTextLength = maxTextLength;
  }

  onMessage(line: string): void {
    if (line.trim().length === 0) return;
    let envelope: JsonEnvelope;
    try {
      envelope = parseEnvelope(line, this.source, this.maxTextLength);
    } catch (error) {
      this.options.onError(error instanceof EnvelopeError ? error : new EnvelopeError(String(error)));
      return;
    }
    this.options.onMessage(envelope);
  }

  onError(error: FramingError): void {
    this.options.onError(error);
  }
}

/**
 * Creates a `json` codec. Encoding takes an envelope object (its `v` is filled in) or
 * text: text becomes a `system` envelope on the hub side (what `peer.send()` and
 * `hub.broadcast()` send) and a `message` envelope on the client side.
 */
export function createJsonCodec(options: JsonCodecOptions = {}): StructuredCodec<JsonEnvelope> & Protocol<JsonEnvelope> {
  const source = options.source ?? 'client';
  const maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  return {
    name: 'json',
    delimited: true,
    structured: true,
    classify,
    render: renderEnvelope,
    farewell: byeFrame,
    refusal: byeFrame,
    encode(message) {
      const envelope =
        typeof message === 'string' || message instanceof Uint8Array ? textEnvelope(source, typeof message === 'string' ? message : Buffer.from(message).toString('utf8')) : message;
      // JSON.stringify escapes newlines, so no field can break the framing.
      return Buffer.from(`${JSON.stringify({ ...envelope, v: PROTOCOL_VERSION })}\n`, 'utf8');
    },
    createDecoder: (decoderOptions) => new JsonDecoder(decoderOptions as DecoderOptions<unknown>, source, maxTextLength),
  };
}

function textEnvelope(source: EnvelopeSource, text: string): JsonEnvelope {
  // A hub sending plain text to a JSON peer is making an announcement; a client is talking.
  return source === 'client' ? { v: 1, type: 'system', text, ts: Date.now() } : { v: 1, type: 'message', text };
}

/**
 * The hub side of the `json` framing (`framing: 'json'`): reads client envelopes, writes
 * hub envelopes. Typed as a string codec because the hub turns every envelope it reads into
 * text (a message's text, or a control envelope's slash command) before any handler or
 * listener sees it.
 */
export const jsonCodec = createJsonCodec({ source: 'client' }) as unknown as StructuredCodec<string> & Protocol<string>;

/** The client side of the `json` framing, used by `JsonChatClient`: reads hub envelopes, writes client envelopes. */
export const jsonClientCodec: Codec<JsonEnvelope> = createJsonCodec({ source: 'hub', maxTextLength: Number.MAX_SAFE_INTEGER });

/** Every chat event is an envelope already: the frame is the event itself. */
function renderEnvelope(this: Codec<unknown>, event: ChatEvent): Buffer {
  return this.encode(event);
}

/** A JSON peer is told why it is closed (or turned away) in a `bye` envelope. */
function byeFrame(this: Codec<unknown>, farewell: Farewell): Buffer {
  return this.encode(byeEnvelope(farewell));
}
