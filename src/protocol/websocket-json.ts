import { classify } from './classify.js';
import type { Codec, Decoder, DecoderOptions } from './codec.js';
import { asControlEnvelope, byeReason } from './control-frames.js';
import type { ChatEvent } from './envelope.js';
import { EnvelopeError } from './envelope-error.js';
import { DEFAULT_MAX_TEXT_LENGTH, parseEnvelope, type EnvelopeSource } from './envelope-schema.js';
import { byeEnvelope, type Farewell } from './farewell.js';
import { createJsonCodec, type JsonEnvelope } from './json-codec.js';
import type { Protocol } from './protocol.js';
import type { StructuredCodec } from './structured.js';
import { decodeText } from './text.js';
import { lastFramePayload, textFrame } from './websocket-frame.js';
import { MessageTooLargeError } from '../errors.js';

/**
 * The goodbyes this protocol has written, and what each said: the WebSocket transport closes
 * with the code for that reason once such a frame has gone out. Keyed by the frame itself, so
 * nothing has to parse it back.
 */
const farewells = new WeakMap<Buffer, Farewell>();

/**
 * The farewell (`bye`) a frame of `websocketJsonProtocol` carries, or `undefined` for any other
 * frame. What the WebSocket transport reads to pick its close code.
 */
export function farewellOf(frame: Buffer): Farewell | undefined {
  return farewells.get(frame);
}

/** How a `bye` envelope's payload starts (`encode` puts `v` first and `byeEnvelope` `type` next). */
const BYE_START = Buffer.from('{"v":1,"type":"bye"');

/**
 * The farewell that whole frames of a framed `websocketJsonProtocol` end with, or `undefined`.
 * The hub writes a goodbye last, but may join it to the frames queued before it in one buffer,
 * which `farewellOf` cannot know: then the frames' headers are walked to the last one, which is
 * read back only when it starts as a `bye` does (only the hub writes envelopes, so only the
 * hub's goodbye can).
 */
export function farewellAtEnd(frames: Buffer): Farewell | undefined {
  const known = farewells.get(frames);
  if (known !== undefined) return known;
  const payload = lastFramePayload(frames);
  if (payload === undefined || payload.length < BYE_START.length || !payload.subarray(0, BYE_START.length).equals(BYE_START)) return undefined;
  let bye;
  try {
    bye = asControlEnvelope(JSON.parse(payload.toString('utf8')));
  } catch {
    return undefined;
  }
  if (bye?.type !== 'bye') return undefined;
  return { reason: byeReason(bye), message: bye.message ?? '', ...(bye.retryAfterMs === undefined ? {} : { retryAfterMs: bye.retryAfterMs }) };
}

/**
 * One WebSocket message, one envelope: each chunk pushed is a whole message (the transport
 * pushes one per WebSocket message), checked against the envelope schema of the `json`
 * protocol. A bad one is reported through `onError` and dropped; nothing is ever held.
 */
export class WebSocketJsonDecoder implements Decoder {
  private readonly options: DecoderOptions<unknown>;
  private readonly source: EnvelopeSource;
  private readonly maxTextLength: number;

  constructor(options: DecoderOptions<unknown>, source: EnvelopeSource, maxTextLength: number) {
    this.options = options;
    this.source = source;
    this.maxTextLength = maxTextLength;
  }

  /** Whole messages only: nothing is ever waiting for the rest of one. */
  readonly bufferedBytes = 0;

  push(chunk: Buffer): void {
    // The transport bounds messages before they are read (ws `maxPayload`); this is the
    // decoder's own bound, for any other transport that pushes to it.
    if (chunk.length > this.options.maxMessageBytes) {
      this.options.onError(new MessageTooLargeError(chunk.length, this.options.maxMessageBytes));
      return;
    }
    const text = decodeText(chunk, chunk.length, this.options);
    if (text === undefined || text.trim().length === 0) return;
    let envelope: JsonEnvelope;
    try {
      envelope = parseEnvelope(text, this.source, this.maxTextLength);
    } catch (error) {
      this.options.onError(error instanceof EnvelopeError ? error : new EnvelopeError(String(error)));
      return;
    }
    this.options.onMessage(envelope);
  }

  end(): void {
    // Nothing is held between messages.
  }
}

/** Options for `createWebSocketJsonProtocol()`. */
export interface WebSocketJsonOptions {
  /** Whose envelopes the decoder accepts: `'client'` (default; what a hub reads) or `'hub'`. */
  source?: EnvelopeSource;
  /** Longest `text` field accepted, in characters. Default 4000. */
  maxTextLength?: number;
  /**
   * Write whole server-to-client WebSocket text frames (header included) rather than bare
   * messages, for a `WebSocketStream` given the upgraded connection (`rawSocket`), which writes
   * them as they are: each broadcast is framed once for every receiver, and frames carry their
   * own boundaries (`delimited: true`), so the hub joins a turn's frames into one write as it
   * does on TCP. What `attachWebSocket` uses. Default `false`.
   */
  framed?: boolean;
}

/**
 * The `json` protocol of docs/protocol-json.md over WebSocket: one envelope per WebSocket text
 * message, without the newline. Its frames carry no boundaries of their own (`delimited: false`),
 * so the hub writes each on its own and the transport sends each write as one message. Goodbyes
 * (`bye` envelopes) are marked for the transport, which closes with the matching code.
 */
export function createWebSocketJsonProtocol(options: WebSocketJsonOptions = {}): StructuredCodec<JsonEnvelope> & Protocol<JsonEnvelope> {
  const source = options.source ?? 'client';
  const maxTextLength = options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH;
  // The `json` codec's encoding, text-to-envelope rules and all; only its newline is left off.
  const lines: Codec<JsonEnvelope> = createJsonCodec({ source, maxTextLength });
  const framed = options.framed === true;
  const encode = (message: JsonEnvelope | string | Uint8Array): Buffer => {
    const line = lines.encode(message);
    const bare = line.subarray(0, line.length - 1);
    return framed ? textFrame(bare) : bare;
  };
  const goodbye = (farewell: Farewell): Buffer => {
    const frame = encode(byeEnvelope(farewell));
    farewells.set(frame, farewell);
    return frame;
  };
  return {
    name: 'websocket',
    delimited: framed,
    structured: true,
    classify,
    render: (event: ChatEvent) => encode(event),
    farewell: goodbye,
    refusal: goodbye,
    encode,
    createDecoder: (decoderOptions) => new WebSocketJsonDecoder(decoderOptions as DecoderOptions<unknown>, source, maxTextLength),
  };
}

/**
 * The hub side of the WebSocket protocol, which `broadcast-chat/websocket` hands to
 * `hub.accept()` for every WebSocket: reads client envelopes, writes hub envelopes. Typed as a
 * string protocol, as `jsonCodec` is, because the hub turns every envelope into text before any
 * handler sees it.
 */
export const websocketJsonProtocol = createWebSocketJsonProtocol({ source: 'client' }) as unknown as StructuredCodec<string> & Protocol<string>;

/**
 * `websocketJsonProtocol` writing whole WebSocket frames (`framed: true`): what the door hands
 * to `hub.accept()` with a `WebSocketStream` that writes to the upgraded connection itself. One
 * object for every WebSocket, so that the hub frames each broadcast once for all of them.
 */
export const framedWebSocketJsonProtocol = createWebSocketJsonProtocol({ source: 'client', framed: true }) as unknown as StructuredCodec<string> & Protocol<string>;
