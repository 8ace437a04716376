/**
 * WebSocket fan-out, the hub behind its WebSocket door beside a plain `ws` broadcast server
 * (bench/servers/ws-relay.ts, the `ws` README's broadcast example), in the same run:
 * one sender, N receivers, 64 B messages, as fast as the slowest receiver keeps up.
 *
 *   npx tsx bench/websocket-fanout.ts [--receivers 100,1000] [--seconds 3] [--window 64]
 *
 * Each server runs in a process of its own; this process is the load generator (the same for
 * both, so what differs is the server). The sender keeps at most `window` messages ahead of
 * the slowest receiver; every receiver checks that it gets every message, in order. Reported:
 * messages per second the sender got through, and deliveries per second (messages x receivers).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from './server-process.js';
import { ROOT } from './systems.js';

const PAYLOAD_BYTES = 64;
const { values } = parseArgs({ options: { receivers: { type: 'string', default: '100,1000' }, seconds: { type: 'string', default: '3' }, window: { type: 'string', default: '64' } } });
const receiverCounts = values.receivers.split(',').map(Number);
const measureMs = Number(values.seconds) * 1000;
const windowSize = Number(values.window);

interface System {
  readonly id: string;
  readonly label: string;
  readonly script: string;
  /** What the sender writes for message `seq`. */
  frame(payload: string): string;
  /** Where the payload starts in a received frame, or -1 when the frame is not a chat message. */
  payloadAt(data: Buffer): number;
}

const TEXT = Buffer.from('"text":"');
const MESSAGE_PREFIX = Buffer.from('{"v":1,"type":"message"');

const systems: readonly System[] = [
  {
    id: 'hub-ws',
    label: 'broadcast-chat, WebSocket door',
    script: 'hub-ws-server.ts',
    frame: (payload) => `{"v":1,"type":"message","text":"${payload}"}`,
    // Join notices and the welcome are not messages; a message's text is the payload.
    payloadAt: (data) => (data.subarray(0, MESSAGE_PREFIX.length).equals(MESSAGE_PREFIX) ? data.indexOf(TEXT) + TEXT.length : -1),
  },
  { id: 'ws', label: 'ws broadcast server', script: 'ws-relay.ts', frame: (payload) => payload, payloadAt: () => 0 },
];

/** A 64 B payload: the sequence number in 9 digits, then filler JSON needs no escape for. */
function payload(seq: number): string {
  return String(seq).padStart(9, '0') + 'x'.repeat(PAYLOAD_BYTES - 9);
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

interface Row {
  readonly system: string;
  readonly receivers: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly errors: number;
}

async function measure(system: System, receivers: number): Promise<Row> {
  const server: RunningServer = await startServer(
    { command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'bench', 'servers', system.script), '--port', '0'], port: 'announce', describe: system.script },
    null,
    ROOT,
  );
  const url = `ws://127.0.0.1:${server.port}/`;
  const sockets: WebSocket[] = [];
  try {
    // Completions per in-flight message, in a ring: a message is done once every receiver has it.
    const ring = new Int32Array(windowSize * 2);
    let sent = 0;
    let completed = 0;
    let errors = 0;
    /** The sender, once connected after the receivers. */
    const link: { sender?: WebSocket } = {};
    const pump = (): void => {
      const sender = link.sender;
      if (sender === undefined) return;
      while (sent - completed < windowSize) {
        sender.send(system.frame(payload(sent)));
        sent += 1;
      }
    };
    for (let index = 0; index < receivers; index += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, receivers - index) }, () => open(url)));
      for (const socket of batch) {
        let expected = 0;
        socket.on('message', (data: Buffer) => {
          const at = system.payloadAt(data);
          if (at < 0) return;
          const seq = Number(data.toString('latin1', at, at + 9));
          if (seq !== expected) errors += 1;
          expected = seq + 1;
          const slot = seq % ring.length;
          ring[slot] = (ring[slot] ?? 0) + 1;
          while (ring[completed % ring.length] === receivers) {
            ring[completed % ring.length] = 0;
            completed += 1;
          }
          pump();
        });
        sockets.push(socket);
      }
    }
    // Let the hub's join notices (one per receiver to every receiver) drain before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    link.sender = await open(url);
    sockets.push(link.sender);
    pump();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const start = completed;
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, measureMs));
    const seconds = (performance.now() - startedAt) / 1000;
    const messages = completed - start;
    return { system: system.label, receivers, messagesPerSecond: messages / seconds, deliveriesPerSecond: (messages * receivers) / seconds, errors };
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.stop();
  }
}

const rows: Row[] = [];
for (const receivers of receiverCounts) {
  for (const system of systems) {
    const row = await measure(system, receivers);
    rows.push(row);
    process.stderr.write(`${row.system}, 1 -> ${receivers}: ${Math.round(row.messagesPerSecond)} msg/s, ${Math.round(row.deliveriesPerSecond)} deliveries/s${row.errors > 0 ? `, ${row.errors} out of order` : ''}\n`);
  }
}
console.log('| workload | system | messages/s | deliveries/s |');
console.log('| --- | --- | ---: | ---: |');
for (const row of rows) console.log(`| 1 -> ${row.receivers} x ${PAYLOAD_BYTES} B | ${row.system} | ${Math.round(row.messagesPerSecond).toLocaleString('en')} | ${Math.round(row.deliveriesPerSecond).toLocaleString('en')} |`);
