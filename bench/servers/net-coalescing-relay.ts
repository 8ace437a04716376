/**
 * Baseline: about the fastest relay plain `net` allows. Each socket collects the frames it
 * is sent during one event-loop turn in an array, joined and written once in `setImmediate`.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { announceListening, LOOPBACK, portArgument } from './announce.js';
import { LineSplitter } from './line-splitter.js';

interface Client {
  readonly socket: Socket;
  pending: Buffer[];
}

const clients = new Set<Client>();
let dirty: Client[] = [];

function flush(): void {
  const batch = dirty;
  dirty = [];
  for (const client of batch) {
    const frames = client.pending;
    client.pending = [];
    if (!client.socket.destroyed) client.socket.write(frames.length === 1 ? (frames[0] ?? Buffer.alloc(0)) : Buffer.concat(frames));
  }
}

const server = createServer({ noDelay: true }, (socket) => {
  const self: Client = { socket, pending: [] };
  clients.add(self);
  const splitter = new LineSplitter((frame) => {
    for (const other of clients) {
      if (other === self) continue;
      if (other.pending.length === 0) {
        if (dirty.length === 0) setImmediate(flush);
        dirty.push(other);
      }
      other.pending.push(frame);
    }
  });
  socket.on('data', (chunk: Buffer) => {
    splitter.push(chunk);
  });
  socket.on('error', () => undefined);
  socket.on('close', () => clients.delete(self));
});

server.listen({ host: LOOPBACK, port: portArgument() }, () => {
  announceListening((server.address() as AddressInfo).port, async () => {
    for (const client of clients) client.socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
