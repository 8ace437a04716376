import { WebSocket } from 'ws';

/** Bytes of every benchmark message's payload. */
export const WS_PAYLOAD_BYTES = 64;

/** How the sender frames a message for one WebSocket server, and how a receiver finds the payload again. */
export interface WsDialect {
  /** What the sender writes for a payload. */
  frame(payload: string): string;
  /** Where the payload starts in a received frame, or -1 when the frame is not a chat message. */
  payloadAt(data: Buffer): number;
}

/** The dialects by server: the hub's JSON door, and plain payloads for the `ws` broadcast server. */
export type WsDialectName = 'hub-ws' | 'ws';

const TEXT = Buffer.from('"text":"');
const MESSAGE_PREFIX = Buffer.from('{"v":1,"type":"message"');

/** Each server's framing. */
export const WS_DIALECTS: Readonly<Record<WsDialectName, WsDialect>> = {
  'hub-ws': {
    frame: (payload) => `{"v":1,"type":"message","text":"${payload}"}`,
    // Join notices and the welcome are not messages; a message's text is the payload.
    payloadAt: (data) => (data.subarray(0, MESSAGE_PREFIX.length).equals(MESSAGE_PREFIX) ? data.indexOf(TEXT) + TEXT.length : -1),
  },
  ws: { frame: (payload) => payload, payloadAt: () => 0 },
};

/** A 64 B payload: the sequence number in 9 digits, then filler JSON needs no escape for. */
export function wsPayload(seq: number): string {
  return String(seq).padStart(9, '0') + 'x'.repeat(WS_PAYLOAD_BYTES - 9);
}

/** Opens a WebSocket without compression; resolves once it is open. */
export function openWebSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      socket.off('error', reject);
      // A reset at teardown is expected.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
