/** Baseline: the broadcast example from the `ws` README, text frames, no compression. */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { announceListening, LOOPBACK, portArgument } from './announce.js';

const wss = new WebSocketServer({ host: LOOPBACK, port: portArgument(), perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => undefined);
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== ws && client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
wss.on('listening', () => {
  announceListening((wss.address() as AddressInfo).port, async () => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => {
      wss.close(() => {
        resolve();
      });
    });
  });
});
