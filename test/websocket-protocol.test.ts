import { describe, expect, it } from 'vitest';
import type { DecoderOptions, FramingError } from '../src/index.js';
import { closeFrameFor, closeMeaning, CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_TOO_LARGE, CLOSE_TRY_AGAIN_LATER, createWebSocketJsonProtocol, websocketJsonProtocol } from '../src/websocket.js';
import { fitCloseReason } from '../src/protocol/websocket-close.js';
import { farewellOf } from '../src/protocol/websocket-json.js';

/** A decoder of the protocol with what it reports collected. */
function decoder(options: Partial<DecoderOptions<unknown>> = {}): { push: (text: string | Buffer) => void; messages: unknown[]; errors: FramingError[] } {
  const messages: unknown[] = [];
  const errors: FramingError[] = [];
  const decode = websocketJsonProtocol.createDecoder({
    maxMessageBytes: 1024,
    onMessage: (message) => messages.push(message),
    onError: (error) => errors.push(error),
    ...options,
  });
  const push = (text: string | Buffer): void => {
    decode.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  };
  return { push, messages, errors };
}

describe('the WebSocket JSON protocol', () => {
  it('reads each chunk as one whole envelope, newlines inside and all', () => {
    const { push, messages, errors } = decoder();
    push('{"v":1,"type":"message","text":"hi"}');
    // A pretty-printed envelope is one message on a WebSocket, not three lines.
    push('{\n  "v": 1,\n  "type": "join",\n  "room": "dev"\n}');
    push('   ');
    expect(errors).toEqual([]);
    expect(messages).toEqual([
      { v: 1, type: 'message', text: 'hi' },
      { v: 1, type: 'join', room: 'dev' },
    ]);
  });

  it('refuses what the json protocol refuses, message by message, and goes on', () => {
    const { push, messages, errors } = decoder();
    push('{"v":1,"type":"message","text":"one"}{"v":1,"type":"message","text":"two"}');
    push('{"v":1,"type":"system","text":"forged"}');
    push('{"v":1,"type":"message","text":"x","__proto__":{"polluted":true}}');
    push('{"v":1,"type":"message","text":"fine"}');
    expect(errors.map((error) => error.code)).toEqual(['ERR_INVALID_ENVELOPE', 'ERR_INVALID_ENVELOPE', 'ERR_INVALID_ENVELOPE']);
    expect(messages).toEqual([{ v: 1, type: 'message', text: 'fine' }]);
  });

  it('bounds a message by maxMessageBytes and applies the invalid UTF-8 policy', () => {
    const { push, messages, errors } = decoder({ maxMessageBytes: 40, invalidUtf8: 'reject' });
    push(`{"v":1,"type":"message","text":"${'x'.repeat(40)}"}`);
    push(Buffer.concat([Buffer.from('{"v":1,"type":"message","text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    expect(errors.map((error) => error.code)).toEqual(['ERR_MESSAGE_TOO_LARGE', 'ERR_INVALID_UTF8']);
    expect(messages).toEqual([]);
  });

  it('encodes one envelope per frame, without the newline of the json framing', () => {
    const frame = websocketJsonProtocol.encode('notice');
    expect(frame.includes(0x0a)).toBe(false);
    expect(JSON.parse(frame.toString('utf8'))).toMatchObject({ v: 1, type: 'system', text: 'notice' });
    expect(websocketJsonProtocol.delimited).toBe(false);
    const client = createWebSocketJsonProtocol({ source: 'hub' });
    expect(JSON.parse(client.encode('hello').toString('utf8'))).toEqual({ v: 1, type: 'message', text: 'hello' });
  });

  it('marks its goodbyes, so the transport can close with their code', () => {
    const farewell = { reason: 'shutdown' as const, message: 'server shutting down; reconnect in 3 s', retryAfterMs: 2500 };
    const bye = websocketJsonProtocol.farewell(farewell);
    expect(bye).toBeDefined();
    expect(JSON.parse(bye?.toString('utf8') ?? '')).toMatchObject({ type: 'bye', reason: 'shutdown', retryAfterMs: 2500 });
    expect(farewellOf(bye ?? Buffer.alloc(0))).toEqual(farewell);
    expect(farewellOf(websocketJsonProtocol.encode('not a goodbye'))).toBeUndefined();
  });
});

describe('close codes', () => {
  it('maps disconnect reasons to close frames and reads them back', () => {
    const shutdown = closeFrameFor({ reason: 'shutdown', message: 'server shutting down; reconnect in 3 s', retryAfterMs: 2500 });
    expect(shutdown).toEqual({ code: CLOSE_GOING_AWAY, reason: 'shutdown retry=2500: server shutting down; reconnect in 3 s' });
    expect(closeMeaning(shutdown.code, shutdown.reason)).toEqual({ reason: 'shutdown', retryAfterMs: 2500 });
    expect(closeFrameFor({ reason: 'too-large', message: 'message over 10 bytes' }).code).toBe(CLOSE_TOO_LARGE);
    expect(closeFrameFor({ reason: 'server-full', message: 'full' }).code).toBe(CLOSE_TRY_AGAIN_LATER);
    for (const reason of ['kicked', 'flood', 'idle', 'heartbeat', 'auth-failed', 'too-many-from-address'] as const) {
      const frame = closeFrameFor({ reason, message: 'words' });
      expect(frame.code).toBe(CLOSE_POLICY);
      expect(closeMeaning(frame.code, frame.reason)).toEqual({ reason });
    }
  });

  it('reads a close frame that is not ours by its code, whatever its reason says', () => {
    expect(closeMeaning(1001, '')).toEqual({ reason: 'shutdown' });
    expect(closeMeaning(1009, 'Max payload size exceeded')).toEqual({ reason: 'too-large' });
    expect(closeMeaning(1006, '')).toEqual({ reason: 'reset' });
    expect(closeMeaning(1000, 'bye')).toEqual({ reason: 'hub-closed' });
    expect(closeMeaning(1008, 'nonsense retry=5')).toEqual({ reason: 'kicked' });
    expect(closeMeaning(4000, 'shutdown retry=99999999999')).toEqual({ reason: 'error' });
  });

  it('cuts a close reason to 123 bytes, never inside a character', () => {
    const long = closeFrameFor({ reason: 'kicked', message: 'é'.repeat(200) });
    expect(Buffer.byteLength(long.reason)).toBeLessThanOrEqual(123);
    expect(long.reason.endsWith('é')).toBe(true);
    expect(fitCloseReason('a'.repeat(122) + '€')).toBe('a'.repeat(122));
    expect(fitCloseReason('a'.repeat(120) + '€')).toBe('a'.repeat(120) + '€');
  });
});
