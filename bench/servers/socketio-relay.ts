/** Baseline: a socket.io chat room, `socket.broadcast.emit` to everyone but the sender, WebSocket transport only. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  socket.on('m', (message: string) => {
    socket.broadcast.emit('m', message);
  });
});
http.listen({ host: LOOPBACK, port: portArgument() }, () => {
  announceListening((http.address() as AddressInfo).port, async () => {
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => {
      void io.close(() => {
        resolve();
      });
    });
  });
});
