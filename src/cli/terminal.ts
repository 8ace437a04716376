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

// C0 and C1 controls but tab and newline.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from the network made safe to print: a trailing line ending is dropped (raw peers of
 * the documented server relay `nc`'s lines with theirs), and control characters are shown
 * as `\xNN` so that a peer cannot move the cursor, clear the screen or retitle the terminal.
 */
export function printable(text: string): string {
  const trimmed = text.replace(/\r?\n$/, '');
  return trimmed.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `address:port`, with IPv6 addresses bracketed and IPv4-mapped ones shown as IPv4. */
export function formatAddress(address: string, port: number): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}
