import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeError, jsonCodec, parseEnvelope, type ErrorEnvelope, type HubEnvelope } from '../src/index.js';
import { before, closeAll, hubOn, jsonClient, namedPeer, settle } from './helpers/chat.js';
import { nextEvent, RawPeer } from './helpers/sockets.js';

afterEach(closeAll);

function rejection(line: string): string {
  try {
    parseEnvelope(line, 'client');
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ENVELOPE' });
    return (error as Error).message;
  }
  throw new Error(`accepted ${line}`);
}

describe('envelope validation', () => {
  it('accepts each client envelope and copies only the known fields', () => {
    expect(parseEnvelope('{"v":1,"type":"message","text":"hi","room":"dev","extra":{"a":1}}', 'client')).toEqual({ v: 1, type: 'message', text: 'hi', room: 'dev' });
    expect(parseEnvelope('{"type":"join","v":1,"room":"dev"}', 'client')).toEqual({ v: 1, type: 'join', room: 'dev' });
    expect(parseEnvelope('{"v":1,"type":"leave","room":"dev"}', 'client')).toEqual({ v: 1, type: 'leave', room: 'dev' });
    expect(parseEnvelope('{"v":1,"type":"nick","nick":"alice"}', 'client')).toEqual({ v: 1, type: 'nick', nick: 'alice' });
    expect(parseEnvelope('{"v":1,"type":"direct","to":"bob","text":"x"}', 'client')).toEqual({ v: 1, type: 'direct', to: 'bob', text: 'x' });
    expect(parseEnvelope('{"v":1,"type":"hello"}', 'client')).toEqual({ v: 1, type: 'hello' });
  });

  it('rejects what is not an envelope of this version', () => {
    expect(rejection('not json')).toBe('not valid JSON');
    expect(rejection('[1,2]')).toBe('an envelope must be a JSON object');
    expect(rejection('"text"')).toBe('an envelope must be a JSON object');
    expect(rejection('{"type":"message","text":"hi"}')).toBe("missing protocol version 'v'");
    expect(rejection('{"v":2,"type":"message","text":"hi"}')).toMatch(/unsupported protocol version 2/);
    expect(rejection('{"v":1,"type":"shutdown"}')).toBe("unknown envelope type 'shutdown'");
    expect(rejection('{"v":1,"type":"toString"}')).toBe("unknown envelope type 'toString'");
    expect(rejection('{"v":1,"type":"system","text":"fake notice"}')).toBe("unknown envelope type 'system'");
    expect(rejection('{"v":1}')).toBe("missing 'type'");
  });

  it('rejects wrong field types, missing fields and oversized fields', () => {
    expect(rejection('{"v":1,"type":"message","text":42}')).toBe("'message.text' must be a string");
    expect(rejection('{"v":1,"type":"message","text":["a"]}')).toBe("'message.text' must be a string");
    expect(rejection('{"v":1,"type":"message"}')).toBe("'message' needs 'text'");
    expect(rejection(JSON.stringify({ v: 1, type: 'message', text: 'x'.repeat(4001) }))).toBe("'message.text' is longer than 4000 characters");
    expect(rejection('{"v":1,"type":"join","room":"two words"}')).toBe("'join.room' has characters that are not allowed");
    expect(rejection('{"v":1,"type":"nick","nick":"x\\nadmin"}')).toBe("'nick.nick' has characters that are not allowed");
    expect(rejection(JSON.stringify({ v: 1, type: 'direct', to: 'b'.repeat(30), text: 'x' }))).toBe("'direct.to' is longer than 24 characters");
  });

  it('rejects prototype-pollution keys at any depth and leaves Object.prototype alone', () => {
    const attempts = [
      '{"v":1,"type":"message","text":"hi","__proto__":{"polluted":true}}',
      '{"__proto__":{"polluted":true},"v":1,"type":"message","text":"hi"}',
      '{"v":1,"type":"message","text":"hi","constructor":{"prototype":{"polluted":true}}}',
      '{"v":1,"type":"message","text":"hi","extra":{"deep":{"__proto__":{"polluted":true}}}}',
      '{"v":1,"type":"message","text":"hi","prototype":{}}',
    ];
    for (const line of attempts) expect(rejection(line)).toMatch(/^forbidden key '(__proto__|constructor|prototype)'$/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('decodes lines split at every byte and reports bad ones without stopping', () => {
    const messages: unknown[] = [];
    const errors: Error[] = [];
    const decoder = jsonCodec.createDecoder({
      maxMessageBytes: 1024,
      onMessage: (message) => messages.push(message),
      onError: (error) => errors.push(error),
    });
    const input = Buffer.from('{"v":1,"type":"message","text":"héllo"}\n\n{"v":1,"type":"bogus"}\r\n{"v":1,"type":"join","room":"dev"}\n');
    for (const byte of input) decoder.push(Buffer.from([byte]));
    expect(messages).toEqual([
      { v: 1, type: 'message', text: 'héllo' },
      { v: 1, type: 'join', room: 'dev' },
    ]);
    expect(errors.map((error) => error.message)).toEqual(["unknown envelope type 'bogus'"]);
  });

  it('validates what a client reads from the hub too', () => {
    expect(() => parseEnvelope('{"v":1,"type":"message","text":"hi"}', 'hub')).toThrow("'message' needs 'id'");
    const ok = parseEnvelope('{"v":1,"type":"system","text":"hi","ts":1,"names":["a","b"]}', 'hub');
    expect(ok).toEqual({ v: 1, type: 'system', text: 'hi', ts: 1, names: ['a', 'b'] } satisfies HubEnvelope);
  });
});

describe('a hub facing invalid JSON', () => {
  it('answers the sender with an error envelope, reports clientError, and tells nobody else', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const carol = await namedPeer(hub, port, 'carol');
    const bob = await jsonClient(port, { nick: 'bob' });
    const bobHeard: unknown[] = [];
    for (const event of ['message', 'direct', 'join', 'leave', 'nick', 'system', 'refused'] as const) bob.on(event, (payload: unknown) => bobHeard.push(payload));
    const appSaw: unknown[] = [];
    hub.on('message', (message) => appSaw.push(message));

    const mallory = await RawPeer.connect(port);
    const lines = [
      '{"v":1,"type":"message","text":"hi","__proto__":{"polluted":true}}',
      '{"v":1,"type":"message","text":"hi","constructor":{"prototype":{"polluted":true}}}',
      '{"v":1,"type":"nick","nick":{"toString":"x"}}',
      '{"v":1,"type":"message","text":"' + 'x'.repeat(5000) + '"}',
      '{"v":1,"type":"broadcast","text":"everyone"}',
      '{"v":9,"type":"message","text":"future"}',
      '{not json',
    ];
    const errors: Error[] = [];
    hub.on('clientError', (error) => errors.push(error));
    mallory.write(`${lines.join('\n')}\n`);
    await mallory.until((received) => received.toString().split('\n').filter((line) => line.includes('"type":"error"')).length === lines.length);
    const replies = mallory.text
      .split('\n')
      .filter((line) => line.includes('"type":"error"'))
      .map((line) => JSON.parse(line) as ErrorEnvelope);
    expect(replies.map((reply) => reply.code)).toEqual(Array(lines.length).fill('ERR_INVALID_ENVELOPE'));
    expect(replies[0]?.message).toBe("forbidden key '__proto__'");
    expect(replies.map((reply) => reply.v)).toEqual(Array(lines.length).fill(1));
    expect(errors).toHaveLength(lines.length);
    expect(errors.every((error) => error instanceof EnvelopeError)).toBe(true);

    await settle([carol], hub);
    // Nobody else heard a thing, and the application saw no message.
    expect(before(carol).filter((line) => !/^\* (welcome|\S+ joined lobby|\S+ is now known as)/.test(line))).toEqual([]);
    expect(bobHeard.filter((payload) => !(typeof payload === 'object' && payload !== null && 'type' in payload && (payload.type === 'join' || payload.type === 'nick')))).toEqual([]);
    expect(appSaw).toEqual([]);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // The connection goes on: a valid envelope still works.
    const heard = nextEvent<[{ text: string }]>(bob, 'message');
    mallory.write('{"v":1,"type":"message","text":"sorry"}\n');
    expect((await heard)[0].text).toBe('sorry');
    mallory.destroy();
  });
});
