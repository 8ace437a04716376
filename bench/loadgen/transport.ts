import { connect as netConnect, type Socket } from 'node:net';
import type { Target } from '../protocol.js';
import type { DeliveryLog, Inbox } from './inbox.js';

/** One connection (or, for Redis, a subscriber and a publisher) of the load generator. */
export interface Member {
  /** Sends messages `firstSeq .. firstSeq + count - 1` of `sender`, in order. */
  send(sender: number, firstSeq: number, count: number): void;
  /** Closes at once. */
  close(): void;
}

/** What `Transport.connect` needs. */
export interface ConnectOptions {
  /** Where this member's deliveries are verified; without one it does not subscribe. */
  readonly inbox?: Inbox;
  /** Whether this member publishes (Redis needs a second connection for that). */
  readonly sends: boolean;
}

/** A client library-free way to talk to one system under test. */
export interface Transport {
  connect(options: ConnectOptions): Promise<Member>;
  /** Opens one connection the way a client joins, then closes it and waits until the server closed its side. */
  churnOnce(): Promise<void>;
}

/** What every transport is built from. */
export interface TransportContext {
  readonly target: Target;
  /** A payload to copy messages from (see `payload.ts`). */
  readonly template: Buffer;
  readonly log: DeliveryLog;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** A TCP connection to the target (to `port`, one of its ports, when given), with Nagle off. */
export function connectTcp(target: Target, port = target.port): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: target.host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${target.host}:${port} timed out`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Half-closes `socket` and resolves once the peer has closed its side too. */
export function endAndWait(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('close', () => {
      resolve();
    });
    socket.on('error', () => undefined);
    socket.resume();
    socket.end();
  });
}

/**
 * Reads from `socket` until `marker` has arrived, for protocol handshakes. Resolves with
 * what came after it, with the socket paused so that nothing is lost before the caller
 * attaches its own reader and resumes.
 */
export function readThrough(socket: Socket, marker: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no ${JSON.stringify(marker)} from the server; got ${JSON.stringify(received.toString('latin1', 0, 200))}`));
    }, CONNECT_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const at = received.indexOf(marker, 0, 'latin1');
      if (at === -1) return;
      finish();
      resolve(received.subarray(at + marker.length));
    };
    const onClose = (): void => {
      finish();
      reject(new Error(`connection closed during handshake; got ${JSON.stringify(received.toString('latin1', 0, 200))}`));
    };
    const finish = (): void => {
      clearTimeout(timer);
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
