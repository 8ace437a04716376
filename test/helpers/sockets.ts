import { connect, type Socket } from 'node:net';

/** A plain TCP socket that records everything it receives, for speaking to the hub byte by byte. */
export class RawPeer {
  readonly socket: Socket;
  private chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  /** Newlines received so far, counted as data arrives (cheaper than `lines()` for big floods). */
  newlines = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.newlines += countByte(chunk, 0x0a);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    const socket = connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.received.toString('utf8');
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until what was received satisfies `done`, or fails after `ms`. */
  async until(done: (received: Buffer) => boolean, ms = 5000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (!done(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received ${this.received.length} bytes: ${JSON.stringify(this.text.slice(-200))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Waits until `count` newlines in total have arrived, without joining what was received. */
  async newlinesReach(count: number, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.newlines < count) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw new Error(`have ${this.newlines} of ${count} lines${this.closed ? ', and the socket closed' : ''}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `count` newline-terminated lines in total and returns them. */
  async lines(count: number, ms = 5000): Promise<string[]> {
    await this.until((received) => countByte(received, 0x0a) >= count, ms);
    return this.text.split('\n').slice(0, count);
  }

  async waitClosed(ms = 5000): Promise<void> {
    await this.until(() => this.closed, ms);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function countByte(buffer: Buffer, byte: number): number {
  let count = 0;
  let at = buffer.indexOf(byte);
  while (at !== -1) {
    count += 1;
    at = buffer.indexOf(byte, at + 1);
  }
  return count;
}

/** Resolves when `emitter` emits `event`, with its arguments; fails after `ms`. */
export function nextEvent<A extends unknown[]>(
  emitter: { once(event: string, listener: (...args: A) => void): unknown; off(event: string, listener: (...args: A) => void): unknown },
  event: string,
  ms = 5000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const listener = (...args: A): void => {
      clearTimeout(timer);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${ms} ms`));
    }, ms);
    emitter.once(event, listener);
  });
}

/** Polls `condition` until it holds, failing after `ms`. */
export async function eventually(condition: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A plain TCP socket to the hub, connected, with its errors ignored (the tests judge by what arrives). */
export async function openSocket(port: number, host = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Writes `frames` to `socket` in batches, waiting for 'drain' whenever it asks to; bounded by `ms`. */
export async function writeAll(socket: Socket, frames: Iterable<Buffer | string>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  let batch: Buffer[] = [];
  const send = async (): Promise<void> => {
    const data = Buffer.concat(batch);
    batch = [];
    if (socket.write(data)) return;
    await nextEvent<[]>(socket, 'drain', Math.max(1, deadline - Date.now()));
  };
  for (const frame of frames) {
    batch.push(typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame);
    if (batch.length >= 256) await send();
  }
  if (batch.length > 0) await send();
}
