/**
 * The IRC framing without sockets: lines in (bounded, split anywhere, never inside a UTF-8
 * character) and lines out (within 512 bytes, split between characters, nothing that can end
 * a line early).
 */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { InvalidUtf8Policy } from '../src/protocol/codec.js';
import { IrcLineDecoder, type IrcLineSink } from '../src/protocol/irc-line-decoder.js';
import { ircLines, middleParam, splitUtf8 } from '../src/protocol/irc-lines.js';
import { parseIrcLine } from '../src/protocol/irc-message.js';
import { ircDirectMessage, ircRoomMessage } from '../src/protocol/irc-render.js';

class Collect implements IrcLineSink {
  readonly lines: string[] = [];
  readonly tooLong: number[] = [];
  invalid = 0;
  maxHeld = 0;
  constructor(readonly invalidUtf8: InvalidUtf8Policy = 'replace') {}
  onLine(line: string): void {
    this.lines.push(line);
  }
  onTooLong(bytes: number): void {
    this.tooLong.push(bytes);
  }
  onInvalidUtf8(): void {
    this.invalid += 1;
  }
}

/** Feeds `bytes` in chunks of `size`, recording the most the decoder ever held. */
function feed(bytes: Buffer, size: number, sink = new Collect()): Collect {
  const decoder = new IrcLineDecoder(sink);
  for (let at = 0; at < bytes.length; at += size) {
    decoder.push(bytes.subarray(at, at + size));
    sink.maxHeld = Math.max(sink.maxHeld, decoder.bufferedBytes);
  }
  decoder.end();
  return sink;
}

describe('IrcLineDecoder', () => {
  it('reads the same lines whatever the chunks, multi-byte characters split included', () => {
    const text = 'NICK zoë\r\nPRIVMSG #lobby :héllo 🌍 wörld\r\nPING :x\nJOIN #dev\r\r\n\n';
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 5, 7, bytes.length]) {
      expect(feed(bytes, size).lines, `chunks of ${size}`).toEqual(['NICK zoë', 'PRIVMSG #lobby :héllo 🌍 wörld', 'PING :x', 'JOIN #dev']);
    }
  });

  it('ends a line at a bare CR, so a CR inside a parameter can never carry a second line to anyone', () => {
    const sink = feed(Buffer.from('PRIVMSG #lobby :hi\rQUIT :forged\r\n'), 1);
    expect(sink.lines).toEqual(['PRIVMSG #lobby :hi', 'QUIT :forged']);
    expect(parseIrcLine(sink.lines[0] ?? '')?.params).toEqual(['#lobby', 'hi']);
  });

  it('takes 510 bytes before the line end, and reports one more once, then reads on', () => {
    const fits = `PRIVMSG #a :${'x'.repeat(510 - 12)}`;
    expect(Buffer.byteLength(fits)).toBe(510);
    const over = `${fits}y`;
    for (const size of [1, 64, 4096]) {
      const sink = feed(Buffer.from(`${fits}\r\n${over}\r\nPING :after\r\n`), size);
      expect(sink.lines, `chunks of ${size}`).toEqual([fits, 'PING :after']);
      expect(sink.tooLong).toHaveLength(1);
    }
  });

  it('takes 8191 bytes of tags and 510 more, and no more of either', () => {
    const tags = `@a=${'t'.repeat(8191 - 4)} `;
    expect(Buffer.byteLength(tags)).toBe(8191);
    const body = `PRIVMSG #a :${'x'.repeat(510 - 12)}`;
    const sink = feed(Buffer.from(`${tags}${body}\r\n@b=${'t'.repeat(8191 - 3)} PING\r\n${tags}${body}z\r\nPING :after\r\n`), 100);
    expect(sink.lines).toEqual([`${tags}${body}`, 'PING :after']);
    expect(sink.tooLong).toHaveLength(2);
    expect(parseIrcLine(sink.lines[0] ?? '')?.tags.a).toHaveLength(8187);
  });

  it('holds at most one line’s limit of a 100 KB line, and reports it once', () => {
    const sink = feed(Buffer.from(`PRIVMSG #a :${'x'.repeat(100 * 1024)}\r\nPING :ok\r\n`), 1024);
    expect(sink.lines).toEqual(['PING :ok']);
    expect(sink.tooLong).toHaveLength(1);
    expect(sink.maxHeld).toBeLessThanOrEqual(510);
    const tagged = feed(Buffer.from(`@${'x'.repeat(100 * 1024)} PING\r\nPING :ok\r\n`), 1024);
    expect(tagged.lines).toEqual(['PING :ok']);
    expect(tagged.maxHeld).toBeLessThanOrEqual(8191);
  });

  it('replaces invalid UTF-8, or drops the line under reject', () => {
    const bytes = Buffer.concat([Buffer.from('PRIVMSG #a :'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\nPING :x\r\n')]);
    expect(feed(bytes, 1).lines[0]).toBe('PRIVMSG #a :\ufffd\ufffd');
    const rejected = feed(bytes, 1, new Collect('reject'));
    expect(rejected.lines).toEqual(['PING :x']);
    expect(rejected.invalid).toBe(1);
  });

  it('delivers a last line without a line end when the client finishes', () => {
    expect(feed(Buffer.from('PING :a\r\nQUIT :bye'), 3).lines).toEqual(['PING :a', 'QUIT :bye']);
  });
});

describe('lines out', () => {
  it('splits a long trailing parameter into lines of at most 512 bytes, between characters', () => {
    const text = `${'héllo wörld 🌍 '.repeat(120)}end`;
    const wire = ircLines({ tags: 'time=2024-01-01T00:00:00.000Z', source: 'alice!alice@host', verb: 'PRIVMSG', middle: ['#lobby'], trailing: text });
    const lines = wire.split('\r\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(3);
    let joined = '';
    for (const line of lines) {
      const withoutTags = line.slice(line.indexOf(' ') + 1);
      expect(Buffer.byteLength(`${withoutTags}\r\n`)).toBeLessThanOrEqual(512);
      expect(isUtf8(Buffer.from(line))).toBe(true);
      const message = parseIrcLine(line);
      expect(message?.tags.time).toBe('2024-01-01T00:00:00.000Z');
      expect(message?.params[0]).toBe('#lobby');
      joined += message?.params[1] ?? '';
    }
    expect(joined).toBe(text);
  });

  it('never splits a character, however the limit falls', () => {
    const text = '🌍é'.repeat(300);
    for (let limit = 4; limit < 20; limit += 1) {
      const pieces = splitUtf8(text, limit);
      expect(pieces.join('')).toBe(text);
      for (const piece of pieces) {
        expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(limit);
        // No half of a surrogate pair at either end.
        expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(piece)).toBe(false);
      }
    }
  });

  it('turns CR, LF and NUL into spaces wherever they are, so nothing ends a line early', () => {
    const wire = ircLines({ source: 'a\r\nb', verb: 'PRIVMSG', middle: ['#x\ny'], trailing: 'one\r\nQUIT :two\0three' });
    expect(wire).toBe(':a__b PRIVMSG #x_y :one  QUIT :two three\r\n');
  });

  it('keeps every word before the trailing one a single word that cannot pass for the trailing one', () => {
    expect(middleParam('alice')).toBe('alice');
    expect(middleParam('')).toBe('*');
    expect(middleParam(':sneaky')).toBe('_:sneaky');
    expect(middleParam('two words')).toBe('two_words');
    expect(middleParam('a\rb\nc\0d')).toBe('a_b_c_d');
    expect(middleParam('x:y')).toBe('x:y');
  });

  it('renders a room message from another protocol as PRIVMSG, without CTCP, and an action as ACTION split whole', () => {
    const event = { v: 1, type: 'message', id: '1', sender: 'alice', room: 'lobby', text: 'hi \u0001DCC SEND x\u0001', ts: 0 } as const;
    expect(ircRoomMessage(event, 'host')).toBe(':alice!alice@host PRIVMSG #lobby :hi DCC SEND x\r\n');
    const action = ircRoomMessage({ ...event, text: 'w'.repeat(1200), action: true }, 'host');
    const lines = action.split('\r\n').slice(0, -1);
    expect(lines.length).toBe(3);
    for (const line of lines) {
      expect(line.startsWith(':alice!alice@host PRIVMSG #lobby :\u0001ACTION w')).toBe(true);
      expect(line.endsWith('w\u0001')).toBe(true);
    }
    const direct = { v: 1, type: 'direct', id: '2', sender: 'bob', to: 'alice', text: '\u0001VERSION\u0001', ts: 0 } as const;
    expect(ircDirectMessage(direct, 'host', false)).toBe(':bob!bob@host PRIVMSG alice :VERSION\r\n');
    expect(ircDirectMessage(direct, 'host', true)).toBe(':bob!bob@host PRIVMSG alice :\u0001VERSION\u0001\r\n');
  });
});
