/**
 * Baseline: the relay most people write first. Splits lines and writes each one to every
 * other socket with its own `write()`; no coalescing, no backpressure handling.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { announceListening, LOOPBACK, portArgument } from './announce.js';
import { LineSplitter } from './line-splitter.js';

const sockets = new Set<Socket>();
const server = createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  const splitter = new LineSplitter((frame) => {
    for (const other of sockets) if (other !== socket) other.write(frame);
  });
  socket.on('data', (chunk: Buffer) => {
    splitter.push(chunk);
  });
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
});

server.listen({ host: LOOPBACK, port: portArgument() }, () => {
  announceListening((server.address() as AddressInfo).port, async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
