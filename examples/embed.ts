/**
 * The hub inside an existing Node app: an HTTP server runs alongside the chat and reports the
 * connected clients as JSON at GET /stats.
 *
 *   npx tsx examples/embed.ts     chat on 127.0.0.1:8000, stats at http://127.0.0.1:3000/stats
 *   (HOST, PORT and HTTP_PORT change where they listen; 0 picks a free port)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BroadcastHub } from '../src/index.js';

// Loopback by default: the stats name every client's address.
const host = process.env.HOST ?? '127.0.0.1';
const hub = new BroadcastHub({ framing: 'auto' });
hub.on('error', (error) => {
  console.error(`chat error: ${error.message}`);
});

const app = createServer((request, response) => {
  if (request.method !== 'GET' || request.url !== '/stats') {
    response.writeHead(404).end();
    return;
  }
  const clients = Array.from(hub.clients, (peer) => ({
    id: peer.id,
    address: peer.remoteAddress,
    port: peer.remotePort,
    framing: peer.framing,
    connectedAt: peer.connectedAt.toISOString(),
    messagesIn: peer.messagesIn,
    messagesOut: peer.messagesOut,
  }));
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ count: clients.length, clients }));
});

const chat = await hub.listen({ host, port: Number(process.env.PORT ?? 8000) });
await new Promise<void>((resolve, reject) => {
  app.once('error', reject).listen(Number(process.env.HTTP_PORT ?? 3000), host, resolve);
});
const http = app.address() as AddressInfo;
console.log(`Chat on ${chat.address}:${chat.port}; stats at http://${http.address}:${http.port}/stats`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close();
    void hub.close().then(() => {
      console.log('Stopped.');
    });
  });
}
