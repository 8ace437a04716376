import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import type { HubEnvelope } from '../../src/index.js';
import type { Track } from './cleanup.js';

/** A WebSocket client that records every envelope the hub sends, and how the connection ended. */
export class WsPeer {
  readonly socket: WebSocket;
  readonly envelopes: HubEnvelope[] = [];
  /** The close code and reason, once closed. */
  closed: { code: number; reason: string } | undefined;
  /** The HTTP status of a refused upgrade. */
  refusedStatus: number | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      this.envelopes.push(JSON.parse(data.toString('utf8')) as HubEnvelope);
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
    });
    socket.on('unexpected-response', (_request, response) => {
      this.refusedStatus = response.statusCode;
      response.resume();
      socket.terminate();
    });
    socket.on('error', () => undefined);
  }

  /** Opens `url` and resolves once the WebSocket is open, or refused (`refusedStatus`), or closed. */
  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<WsPeer> {
    const peer = new WsPeer(new WebSocket(url, options));
    await new Promise<void>((resolve) => {
      peer.socket.once('open', () => {
        resolve();
      });
      peer.socket.once('close', () => {
        resolve();
      });
    });
    return peer;
  }

  /** Sends one envelope (or raw text) as one WebSocket message. */
  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify({ v: 1, ...message }));
  }

  /** The envelopes of `type` received so far. */
  ofType<K extends HubEnvelope['type']>(type: K): Extract<HubEnvelope, { type: K }>[] {
    return this.envelopes.filter((envelope): envelope is Extract<HubEnvelope, { type: K }> => envelope.type === type);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** An HTTP server on a free loopback port, closed by the test's cleanup. */
export async function httpServer(track: Track): Promise<{ server: Server; port: number }> {
  const server = track(createServer(), (s) => {
    s.closeAllConnections();
    return new Promise((resolve) => s.close(resolve));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
