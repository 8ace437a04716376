import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { createWebSocketJsonProtocol, websocketJsonProtocol } from '../src/websocket.js';
import { lastFramePayload, textFrame } from '../src/protocol/websocket-frame.js';
import { farewellAtEnd, framedWebSocketJsonProtocol } from '../src/protocol/websocket-json.js';

/** ws's own framer, which its ES module exports though its types leave it out. */
interface WsSender {
  frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[];
}
const { Sender } = ws as unknown as { Sender: WsSender };

/** What ws itself sends for `payload` as a server: one unmasked text frame, header and payload joined. */
function wsFrame(payload: Buffer): Buffer {
  return Buffer.concat(Sender.frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
}

describe('server-to-client WebSocket text frames', () => {
  it('are byte for byte what ws sends, at each edge of the 7-, 16- and 64-bit lengths', () => {
    for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      const payload = Buffer.alloc(length, length % 251);
      const frame = textFrame(payload);
      expect(frame.equals(wsFrame(payload)), `a payload of ${length} bytes`).toBe(true);
      expect(frame.length - length).toBe(length <= 125 ? 2 : length <= 65535 ? 4 : 10);
      expect(lastFramePayload(frame)?.equals(payload)).toBe(true);
    }
  });

  it('are walked to the last of a run of them, and a run cut short is no run', () => {
    const payloads = [Buffer.from('a'), Buffer.alloc(300, 1), Buffer.alloc(70000, 2), Buffer.from('last')];
    const run = Buffer.concat(payloads.map((payload) => textFrame(payload)));
    expect(lastFramePayload(run)?.toString('utf8')).toBe('last');
    expect(lastFramePayload(run.subarray(0, run.length - 1))).toBeUndefined();
    expect(lastFramePayload(Buffer.alloc(0))).toBeUndefined();
    expect(lastFramePayload(Buffer.from([0x81]))).toBeUndefined();
  });
});

describe('the framed WebSocket JSON protocol', () => {
  it('writes the envelopes of the bare protocol as whole frames, which carry their own boundaries', () => {
    const bare = websocketJsonProtocol.encode('notice');
    const framed = framedWebSocketJsonProtocol.encode('notice');
    expect(lastFramePayload(framed)?.subarray(0, 20).toString('utf8')).toBe(bare.subarray(0, 20).toString('utf8'));
    expect(JSON.parse(lastFramePayload(framed)?.toString('utf8') ?? '')).toMatchObject({ v: 1, type: 'system', text: 'notice' });
    expect(framedWebSocketJsonProtocol.delimited).toBe(true);
    expect(createWebSocketJsonProtocol({ framed: false }).delimited).toBe(false);
  });

  it('finds its goodbye at the end of a run of frames, joined or not, and nowhere else', () => {
    const farewell = { reason: 'kicked' as const, message: 'enough', retryAfterMs: 1500 };
    const bye = framedWebSocketJsonProtocol.farewell(farewell) ?? Buffer.alloc(0);
    const before = framedWebSocketJsonProtocol.encode('said just before');
    expect(farewellAtEnd(bye)).toEqual(farewell);
    expect(farewellAtEnd(Buffer.concat([before, bye]))).toEqual(farewell);
    expect(farewellAtEnd(Buffer.concat([bye, before]))).toBeUndefined();
    expect(farewellAtEnd(before)).toBeUndefined();
    // Text that reads as a goodbye is a message's text, inside an envelope of the hub's.
    expect(farewellAtEnd(framedWebSocketJsonProtocol.encode('{"v":1,"type":"bye","reason":"kicked"}'))).toBeUndefined();
  });
});
