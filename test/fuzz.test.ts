import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FramingName } from '../src/index.js';
import { closeAfterEach, recordUncaught } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { openSocket, RawPeer } from './helpers/sockets.js';

// Network input thrown at a live hub over real sockets, for every framing: the hub must not
// crash, must keep relaying a healthy client's messages to a healthy receiver, complete and in
// order, and must not hold on to memory.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MAX_MESSAGE_BYTES = 16 * 1024;
const RUNS = 40;

const troubles = recordUncaught();
const track = closeAfterEach();

const invalidUtf8 = fc.constantFrom(
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc3]), // a lead byte cut short
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // past U+10FFFF
  Buffer.from([0xc0, 0xaf]), // overlong
);

const pollution = fc.constantFrom(
  '{"__proto__":{"polluted":1},"v":1,"type":"message","text":"x"}\n',
  '{"v":1,"type":"hello","constructor":{"prototype":{"polluted":1}}}\n',
  '{"v":1,"type":"message","text":"x","room":{"__proto__":{"polluted":1}}}\n',
  '{"v":1,"type":"join","room":"__proto__"}\n',
  '{"v":1,"type":"nick","nick":"__proto__"}\n',
  '{"v":1,"type":"hello","token":"' + 'a'.repeat(5000) + '"}\n',
  '{"v":1,"type":"message","text":"' + 'b'.repeat(5000) + '"}\n',
  '{"v":2,"type":"message","text":"future"}\n',
  '{"v":1,"type":"toString"}\n',
  '[1,2,3]\n',
  'null\n',
  '{"v":1,"type":"message","text":"\\u0000\\u001b[2J\\r\\n"}\n',
);

const envelopeTypes = fc.constantFrom('message', 'join', 'leave', 'nick', 'direct', 'hello', 'pong', 'ping', 'bye', 'hasOwnProperty', '__proto__');
const randomEnvelope = fc
  .record({ v: fc.oneof(fc.constant(1), fc.integer()), type: envelopeTypes, text: fc.string(), room: fc.string({ maxLength: 40 }), nick: fc.string({ maxLength: 30 }), to: fc.string(), ts: fc.double(), token: fc.string() }, { requiredKeys: [] })
  .map((envelope) => `${JSON.stringify(envelope)}\n`);

const commands = fc.constantFrom('/nick mallory\n', '/join x\n', '/leave lobby\n', '/me waves\n', '/msg guest-1 hi\n', '/who\n', '/rooms\n', '/help\n', '/nick ' + 'z'.repeat(300) + '\n', '//x\n', '/\n');

/** A length prefix that may lie: huge, zero, or just over the limit. */
const lengthFrame = fc.tuple(fc.constantFrom(0, 1, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1, 0x7fffffff, 0xffffffff), fc.uint8Array({ maxLength: 64 })).map(([length, body]) => {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length >>> 0);
  return Buffer.concat([header, body]);
});

const giantLine = fc.tuple(fc.integer({ min: MAX_MESSAGE_BYTES - 2, max: MAX_MESSAGE_BYTES * 4 }), fc.boolean()).map(([size, newline]) => Buffer.concat([Buffer.alloc(size, 0x61), newline ? Buffer.from('\n') : Buffer.alloc(0)]));

const piece: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }).map((text) => Buffer.from(text)) },
  { weight: 2, arbitrary: invalidUtf8 },
  { weight: 1, arbitrary: fc.constantFrom('\n', '\r\n', '\r', '\0', ' ', '{', '}').map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: giantLine },
  { weight: 2, arbitrary: pollution.map((text) => Buffer.from(text)) },
  { weight: 2, arbitrary: randomEnvelope.map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => Buffer.from(`${JSON.stringify(value)}\n`)) },
  { weight: 1, arbitrary: commands.map((text) => Buffer.from(text)) },
  { weight: 1, arbitrary: lengthFrame },
);

/** What one attacker does: its bytes, cut into writes at random, and how it leaves. */
const attack = fc.record({
  pieces: fc.array(piece, { minLength: 1, maxLength: 12 }),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
  ending: fc.constantFrom('end', 'destroy', 'reset', 'linger'),
});

/** The bytes, re-cut at random offsets so that frames and UTF-8 sequences straddle writes. */
function rechunk(pieces: Buffer[], cuts: number[]): Buffer[] {
  const all = Buffer.concat(pieces);
  const offsets = [...new Set(cuts.map((cut) => (all.length === 0 ? 0 : cut % all.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    if (offset > start) chunks.push(all.subarray(start, offset));
    start = Math.max(start, offset);
  }
  chunks.push(all.subarray(start));
  return chunks.filter((chunk) => chunk.length > 0);
}


async function runAttack(port: number, { pieces, cuts, ending }: { pieces: Buffer[]; cuts: number[]; ending: string }): Promise<Socket> {
  const socket = await openSocket(port);
  for (const chunk of rechunk(pieces, cuts)) {
    if (socket.destroyed) break;
    socket.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (ending === 'end') socket.end();
  else if (ending === 'destroy') socket.destroy();
  else if (ending === 'reset') socket.resetAndDestroy();
  // 'linger': left open until the property is done with it, reading nothing.
  return socket;
}

/** How a healthy client frames one message for each framing. */
function frame(framing: FramingName, text: string): Buffer {
  switch (framing) {
    case 'json':
      return Buffer.from(`${JSON.stringify({ v: 1, type: 'message', text })}\n`);
    case 'length': {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(Buffer.byteLength(text));
      return Buffer.concat([header, Buffer.from(text)]);
    }
    default:
      return Buffer.from(`${text}\n`);
  }
}

const framings: FramingName[] = ['line', 'raw', 'auto', 'json', 'mixed', 'length'];
/** Every framing as it comes, and the text and JSON ones behind an `authenticate` hook too. */
const cases: [FramingName, boolean][] = [...framings.map((framing): [FramingName, boolean] => [framing, false]), ['line', true], ['json', true], ['mixed', true]];
const SECRET = randomBytes(8).toString('hex');

/** What a healthy client sends first on a hub with a hook. */
function credentials(framing: FramingName): Buffer {
  return framing === 'json' ? Buffer.from(`${JSON.stringify({ v: 1, type: 'hello', token: SECRET })}\n`) : Buffer.from(`${SECRET}\n`);
}

describe('fuzzing a live hub over real sockets', () => {
  it.each(cases)('%s (authenticate: %s): random input never crashes the hub, nor costs a healthy pair a message', async (framing, auth) => {
    const { hub, port } = await startHub<string | Buffer>(
      track,
      {
        framing: framing as 'line',
        maxMessageBytes: MAX_MESSAGE_BYTES,
        // An async hook, so that attackers' input also arrives while a decision is pending.
        ...(auth ? { authenticate: async ({ credentials: given }) => (await new Promise((resolve) => setTimeout(resolve, 1)), given === SECRET), authTimeout: 2000 } : {}),
      },
      { close: { timeout: 1000 } },
    );
    let authFailures = 0;
    hub.on('authFailed', () => (authFailures += 1));
    const hubErrors: Error[] = [];
    hub.on('error', (error) => hubErrors.push(error));
    let clientErrors = 0;
    let connects = 0;
    hub.on('clientError', () => (clientErrors += 1));
    hub.on('connect', () => (connects += 1));
    const tag = randomBytes(4).toString('hex');
    const destroy = (peer: RawPeer): void => {
      peer.destroy();
    };
    const sender = track(await RawPeer.connect(port), destroy);
    const receiver = track(await RawPeer.connect(port), destroy);
    if (auth) {
      sender.write(credentials(framing));
      receiver.write(credentials(framing));
      const deadline = Date.now() + 5000;
      while (hub.clients.size < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    } else {
      // Adaptive framings learn a peer's framing from what it says first: let the receiver speak too.
      receiver.write(frame(framing, `RECEIVER-${tag}`));
    }
    const lingering: Socket[] = [];
    track(lingering, (sockets) => {
      for (const socket of sockets) socket.destroy();
    });
    let sent = 0;
    const pattern = new RegExp(`HEALTHY-${tag}-(\\d+);`, 'g');
    const healthySeen = (): number[] => [...receiver.received.toString('latin1').matchAll(pattern)].map((match) => Number(match[1]));
    gc();
    const before = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(attack, async (plan) => {
        const socket = await runAttack(port, plan);
        if (plan.ending === 'linger') lingering.push(socket);
        sender.write(frame(framing, `HEALTHY-${tag}-${sent};`));
        sent += 1;
        await receiver.until(() => healthySeen().length >= sent, 5000);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Every healthy message arrived once, in order, whatever else went on.
    expect(healthySeen()).toEqual(Array.from({ length: sent }, (_, index) => index));
    // Nothing held for anyone beyond the message limit.
    for (const peer of hub.clients) {
      expect(peer.bytesBuffered).toBeLessThanOrEqual(MAX_MESSAGE_BYTES + 4);
      expect(peer.bytesQueued).toBeLessThan(4 * 1024 * 1024);
    }
    for (const socket of lingering) socket.destroy();
    const deadline = Date.now() + 5000;
    while (hub.clients.size > 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hub.clients.size).toBe(2);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(hubErrors).toEqual([]);
    if (auth) {
      // No attacker got in, and each one was turned away (or left) exactly once.
      const until = Date.now() + 5000;
      while (authFailures < sent && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(connects).toBe(2);
      expect(authFailures).toBe(sent);
      // Nothing an unauthenticated attacker sent reached the receiver.
      if (framing === 'line') expect(receiver.text).toBe(Array.from({ length: sent }, (_, index) => `HEALTHY-${tag}-${index};\n`).join(''));
    } else {
      // The attacks did reach the hub: every one connected, and bad input was reported, not thrown.
      expect(connects).toBe(sent + 2);
      expect(clientErrors).toBeGreaterThan(0);
    }
    expect(troubles).toEqual([]);
  });
});
