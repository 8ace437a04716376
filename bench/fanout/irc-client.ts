import { connect, type Socket } from 'node:net';

/** Bytes of every benchmark message's text. */
export const IRC_PAYLOAD_BYTES = 64;
/** The one channel every client of the IRC fan-out joins. */
export const IRC_CHANNEL = '#bench';

/** A 64 B payload: `Q`, the sequence number in 9 digits, filler. */
export function ircPayload(seq: number): string {
  return `Q${String(seq).padStart(9, '0')}${'x'.repeat(IRC_PAYLOAD_BYTES - 10)}`;
}

/** The PRIVMSG lines of messages `from` to `to` (exclusive), for one write. */
export function ircLines(from: number, to: number): string {
  let lines = '';
  for (let seq = from; seq < to; seq += 1) lines += `PRIVMSG ${IRC_CHANNEL} :${ircPayload(seq)}\r\n`;
  return lines;
}

const LF = 0x0a;
const CR = 0x0d;
const Q = 0x51;
const COLON = 0x3a;
const JOIN_TIMEOUT_MS = 60_000;

/**
 * One IRC connection of the load: registers (NICK, USER), waits for 001, joins #bench, answers
 * PINGs, and then hands each benchmark message's sequence number to `onSeq`, found without
 * parsing the line (a line that ends in `:Q` and the 9 digits and filler of a payload), since
 * the load generator, not the server, is what parsing every line would measure.
 */
export class IrcBenchClient {
  readonly socket: Socket;
  onSeq: ((seq: number) => void) | undefined;
  private tail: Buffer | undefined;
  private setup: ((line: string) => void) | undefined;
  private readonly ready: Promise<void>;

  constructor(port: number, nick: string) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.setNoDelay(true);
    let registered = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${nick} did not get into ${IRC_CHANNEL}`));
      }, JOIN_TIMEOUT_MS);
      this.setup = (line) => {
        if (!registered && line.includes(' 001 ')) {
          registered = true;
          this.socket.write(`JOIN ${IRC_CHANNEL}\r\n`);
        } else if (line.includes(` 366 ${nick} ${IRC_CHANNEL} `)) {
          clearTimeout(timer);
          resolve();
        } else if (/^:\S+ 4[3-7]\d /.test(line) || line.startsWith('ERROR')) {
          clearTimeout(timer);
          reject(new Error(`${nick}: ${line}`));
        }
      };
      this.socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // A reset at teardown is expected; before that, `ready` has already reported it.
    this.ready.catch(() => undefined);
    this.socket.on('error', () => undefined);
    this.socket.on('data', (chunk: Buffer) => {
      this.read(chunk);
    });
    this.socket.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`);
  }

  /** Resolves once the client is in #bench. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private read(data: Buffer): void {
    const chunk = this.tail === undefined ? data : Buffer.concat([this.tail, data]);
    this.tail = undefined;
    let start = 0;
    for (let newline = chunk.indexOf(LF, start); newline !== -1; newline = chunk.indexOf(LF, start)) {
      const end = newline > start && chunk[newline - 1] === CR ? newline - 1 : newline;
      const at = end - IRC_PAYLOAD_BYTES;
      if (this.onSeq !== undefined && at > start && chunk[at] === Q && chunk[at - 1] === COLON) {
        let seq = 0;
        for (let digit = at + 1; digit < at + 10; digit += 1) seq = seq * 10 + (chunk[digit] ?? 48) - 48;
        this.onSeq(seq);
      } else {
        const line = chunk.toString('latin1', start, end);
        if (line.startsWith('PING ')) this.socket.write(`PONG ${line.slice(5)}\r\n`);
        else this.setup?.(line);
      }
      start = newline + 1;
    }
    if (start < chunk.length) this.tail = Buffer.from(chunk.subarray(start));
  }
}
