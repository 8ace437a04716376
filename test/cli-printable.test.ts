import { describe, expect, it } from 'vitest';
import { printable, printableLine } from '../src/cli/terminal.js';

describe('printable: what the CLI prints of a peer', () => {
  it('keeps a log line one line: an embedded newline cannot forge a line in another client\'s name', () => {
    expect(printableLine('hi\nReceived message from 10.0.0.9:4242: I am someone else')).toBe('hi\\x0aReceived message from 10.0.0.9:4242: I am someone else');
    expect(printableLine('a\r\nb')).toBe('a\\x0d\\x0ab');
    // The client prints a raw message of several lines as the documented client does.
    expect(printable('one\ntwo')).toBe('one\ntwo');
  });

  it('drops one trailing line ending only', () => {
    expect(printableLine('line\n')).toBe('line');
    expect(printableLine('line\r\n')).toBe('line');
    expect(printableLine('line\n\n')).toBe('line\\x0a');
  });

  it('shows C0, C1 and invisible formatting characters, keeping tab and ordinary text', () => {
    expect(printable('\u001b[2J\u0085\u009b')).toBe('\\x1b[2J\\x85\\x9b');
    expect(printable('evil\u202etxt.exe\u200b\u2066x\ufeff')).toBe('evil\\u{202e}txt.exe\\u{200b}\\u{2066}x\\u{feff}');
    expect(printable('tab\there, héllo wörld, 😀')).toBe('tab\there, héllo wörld, 😀');
  });
});
