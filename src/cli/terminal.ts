import type { Readable, Writable } from 'node:stream';

/** The three streams a console program talks through; `process`'s by default, others in tests. */
export interface Terminal {
  readonly input: Readable & { readonly isTTY?: boolean };
  readonly output: Writable & { readonly isTTY?: boolean };
  readonly errors: Writable;
}

/** The process's own standard input, output and error. */
export function processTerminal(): Terminal {
  return { input: process.stdin, output: process.stdout, errors: process.stderr };
}

// C0 and C1 controls but tab and newline, and the characters that reorder or hide text (bidi
// overrides and isolates, zero-width and invisible format characters, line separators).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

// The same, and newlines: for a log, where one event must stay one line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_OR_NEWLINE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function shown(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * Text from the network made safe to print: a trailing line ending is dropped (raw peers of
 * the documented server relay `nc`'s lines with theirs), and control and invisible formatting
 * characters are shown as `\xNN` or `\u{NNNN}`, so that a peer cannot move the cursor, clear
 * the screen, retitle the terminal or reorder what is shown. Newlines inside stay (a raw
 * message of several lines prints as the documented client prints it).
 */
export function printable(text: string): string {
  return text.replace(/\r?\n$/, '').replace(CONTROL, shown);
}

/**
 * `printable`, with newlines shown too: for the server's log, where a peer's text must never
 * start a line of its own (one that would read as another client's message).
 */
export function printableLine(text: string): string {
  return text.replace(/\r?\n$/, '').replace(CONTROL_OR_NEWLINE, shown);
}

/** `address:port`, with IPv6 addresses bracketed and IPv4-mapped ones shown as IPv4. */
export function formatAddress(address: string, port: number): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}
