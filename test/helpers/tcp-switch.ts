/**
 * A TCP proxy on loopback between clients and a hub: the network, which a test breaks (freeze
 * what the hub sends, reset connections), and the load balancer, which sends each new
 * connection to `target` (set it to move the next connection to another hub).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Track } from './cleanup.js';

interface Pair {
  readonly client: Socket;
  readonly hub: Socket;
  frozen: boolean;
}

export class TcpSwitch {
  /** The hub port new connections go to. */
  target: number;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  /** Refusing new connections (`cut()` until `mend()`). */
  private down = false;

  private constructor(server: Server, target: number) {
    this.server = server;
    this.target = target;
  }

  /** A switch to the hub on `target`, listening on a port of its own, closed by `track`'s cleanup. */
  static async to(target: number, track: Track): Promise<TcpSwitch> {
    const server = createServer();
    const link = new TcpSwitch(server, target);
    server.on('connection', (client) => {
      if (link.down) {
        client.on('error', () => undefined);
        client.resetAndDestroy();
        return;
      }
      const hub = connect({ port: link.target, host: '127.0.0.1' });
      const pair: Pair = { client, hub, frozen: false };
      link.pairs.add(pair);
      client.on('error', () => undefined);
      hub.on('error', () => undefined);
      client.on('data', (chunk: Buffer) => hub.write(chunk));
      hub.on('data', (chunk: Buffer) => {
        if (!pair.frozen) client.write(chunk);
      });
      const drop = (): void => {
        link.pairs.delete(pair);
        client.destroy();
        hub.destroy();
      };
      client.on('close', drop);
      hub.on('close', drop);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return track(link, (l) => l.close());
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  /** Whether a connection goes through it now. */
  get up(): boolean {
    return this.pairs.size > 0;
  }

  /** From now on, what the hub sends on today's connections is lost on the way. */
  freeze(): void {
    for (const pair of this.pairs) pair.frozen = true;
  }

  /** Resets both sides of every connection through the switch now. */
  reset(): void {
    for (const { client, hub } of this.pairs) {
      client.resetAndDestroy();
      hub.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** The network goes down: resets every connection, and new ones until `mend()`. */
  cut(): void {
    this.down = true;
    this.reset();
  }

  /** The network is back. */
  mend(): void {
    this.down = false;
  }

  /** Loses what the hub sends from now on (a connection dead without a word), then resets both sides `after` ms later. */
  kill(after: number): void {
    const pairs = [...this.pairs];
    for (const pair of pairs) pair.frozen = true;
    const reset = (): void => {
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.hub.resetAndDestroy();
        this.pairs.delete(pair);
      }
    };
    if (after === 0) reset();
    else setTimeout(reset, after).unref();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }
}
