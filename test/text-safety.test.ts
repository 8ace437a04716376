import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toSafeLine } from '../src/index.js';
import { defuseFarewellLine } from '../src/protocol/farewell-lookalike.js';
import { farewellLine, parseFarewellLine, shutdownFarewell } from '../src/protocol/farewell.js';
import { inertText } from '../src/protocol/inert-text.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';

// Issue 15, item 5: text that a terminal or a line reader would act on rather than show.

const track = closeAfterEach();

/** Every character the rule changes, by what it becomes. */
const C0 = Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)).filter((char) => char !== '\t');
const C1 = Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(0x80 + code));
const BECOME_SPACE = [...C0, '\u007f', ...C1, '\u2028', '\u2029'];
const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
const BECOME_FFFD = ['\u200b', ...range(0x202a, 0x202e), ...range(0x2060, 0x206f), '\ufeff', ...range(0xfff9, 0xfffb)];
/** Characters ordinary text needs, kept: tab, the joiners, the direction marks, the soft hyphen. */
const KEPT = ['\t', '\u200c', '\u200d', '\u200e', '\u200f', '\u061c', '\u00ad'];

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

describe('inertText', () => {
  it('turns each control character into a space and each invisible format character into U+FFFD', () => {
    for (const char of BECOME_SPACE) expect(inertText(`a${char}b`), `U+${char.charCodeAt(0).toString(16)}`).toBe('a b');
    for (const char of BECOME_FFFD) expect(inertText(`a${char}b`), `U+${char.charCodeAt(0).toString(16)}`).toBe('a\ufffdb');
    for (const char of KEPT) expect(inertText(`a${char}b`)).toBe(`a${char}b`);
  });

  it('keeps what chats are made of: accents, right-to-left text, emoji sequences', () => {
    const text = 'café, שלום עולם, مرحبا, 👩‍💻 👨‍👩‍👧 🏳️‍🌈 🇫🇷, naïve';
    expect(inertText(text)).toBe(text);
  });

  it('never makes text longer in UTF-8, and leaves nothing unsafe (property)', () => {
    const unsafe = new RegExp(`[${[...BECOME_SPACE, ...BECOME_FFFD].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`);
    const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.array(fc.constantFrom(...BECOME_SPACE, ...BECOME_FFFD, ...KEPT, 'a', 'é', '👩')).map((chars) => chars.join('')));
    fc.assert(
      fc.property(anyText, (text) => {
        const inert = inertText(text);
        expect(utf8(inert)).toBeLessThanOrEqual(utf8(text));
        expect(unsafe.test(inert)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('a line can never pass for the hub farewell', () => {
  it('defuseFarewellLine puts a backslash before exactly the lines parseFarewellLine accepts', () => {
    const farewells = [
      '* server shutting down; reconnect in 600 s',
      '* disconnected: kicked (closed by the server)',
      '* disconnected: idle (no input for 3600 s)',
      '* disconnected: made-up (anything)',
      farewellLine(shutdownFarewell(7000)),
    ];
    for (const line of farewells) {
      expect(parseFarewellLine(line)).toBeDefined();
      expect(defuseFarewellLine(line)).toBe(`\\${line}`);
      expect(parseFarewellLine(defuseFarewellLine(line))).toBeUndefined();
    }
    // A reader strips one \r before the newline: the line it would read counts.
    expect(defuseFarewellLine('* server shutting down; reconnect in 600 s\r')).toBe('\\* server shutting down; reconnect in 600 s\r');
    for (const line of ['* alice waves', '* server shutting down', '* disconnected: kicked', 'server shutting down; reconnect in 600 s', '\\* disconnected: kicked (x)', '']) {
      expect(defuseFarewellLine(line)).toBe(line);
    }
  });

  it('toSafeLine never returns a farewell, whatever the formatter made (property)', () => {
    const prefix = fc.constantFrom('* server shutting down; reconnect in ', '* disconnected: kicked (', '* disconnected: ', '*', '');
    const tail = fc.oneof(fc.constantFrom('600 s', 'closed by the server)', '600 s\r', '600 s\n', '600 s\r\n', 'x)\u2028'), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(prefix, tail, (head, rest) => {
        const safe = toSafeLine(head + rest);
        expect(parseFarewellLine(safe)).toBeUndefined();
        expect(safe).not.toMatch(/[\n\r]/);
        expect(utf8(safe)).toBeLessThanOrEqual(utf8(head + rest) + 1);
      }),
      { numRuns: 1000 },
    );
  });

  it("farewellLine keeps the hub's own farewell on one line, whatever words it carries", () => {
    const line = farewellLine({ reason: 'auth-failed', message: 'unknown token abc\n* disconnected: kicked (x)\u202e' });
    expect(line).toBe('* disconnected: auth-failed (unknown token abc * disconnected: kicked (x)\ufffd)');
    expect(parseFarewellLine(line)?.reason).toBe('auth-failed');
  });
});

describe('a chat hub', () => {
  it('shows an nc reader a line with C1 controls, bidi overrides and invisible characters inert', async () => {
    const { hub, port } = await startHub(track, { chat: true });
    const reader = track(await RawPeer.connect(port), (peer) => {
      peer.destroy();
    });
    const writer = track(await RawPeer.connect(port), (peer) => {
      peer.destroy();
    });
    await eventually(() => hub.clients.size === 2, 2000, 'both peers');
    writer.write('/nick mallory\n');
    await reader.until((received) => received.toString().includes('is now known as mallory'));
    // NEL would end the line for some readers, CSI (8-bit) clears a screen, RLO reverses what follows,
    // the isolate, zero width space, word joiner and BOM hide things; ESC and BEL (C0) as before.
    writer.write('a\u0085b\u009b2Jc\u202edcba\u2066x\u2069\u200by\u2060z\ufeff\u001b[31mred\u0007 \u200d👩‍💻 \u00adend\n');
    const received = await reader.until((bytes) => bytes.toString().includes('end\n'));
    const line = received.toString().split('\n').find((text) => text.startsWith('mallory: '));
    expect(line).toBe('mallory: a b 2Jc\ufffddcba\ufffdx\ufffd\ufffdy\ufffdz\ufffd [31mred  \u200d👩‍💻 \u00adend');
    // None of the bytes a terminal acts on: C1 in UTF-8 is C2 80 to C2 9F.
    for (let i = 0; i + 1 < received.length; i += 1) expect(received[i] === 0xc2 && (received[i + 1] ?? 0) <= 0x9f).toBe(false);
  });
});
