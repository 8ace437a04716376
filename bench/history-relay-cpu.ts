/**
 * The CPU a chat hub spends per relayed message with history off and on, in one process, on
 * the shapes of two benchmark rows: one sender to 1,000 receivers (64 B), and 100 members each
 * sending to the 99 others. Peers are in-process streams given to `hub.accept()` (what they are
 * sent is counted and dropped), so no socket or load generator shares the measurement, and
 * `process.cpuUsage()` counts only this process's CPU: other work on the machine moves the
 * wall clock far more than it moves these numbers. Rounds alternate off, on, on, off, ...; the
 * report is the median CPU per message of each side, their difference, and the median of each
 * pair's own difference.
 *
 * The end-to-end rows, with sockets and the load generator, are `bench/history-cost.ts`.
 *
 * Usage: npx tsx bench/history-relay-cpu.ts [--rounds N] [--messages N] [--entry FILE]
 */
import { existsSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

type Library = typeof import('../src/index.js');

const { values } = parseArgs({ options: { rounds: { type: 'string' }, messages: { type: 'string' }, entry: { type: 'string' } } });
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const source = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const entry = values.entry ?? (existsSync(built) ? built : source);
const { BroadcastHub } = (await import(pathToFileURL(entry).href)) as Library;
const rounds = Number(values.rounds ?? '10');
const messages = Number(values.messages ?? '5000');

/** A peer's end of an in-process connection: what the hub writes is counted and dropped. */
class SinkStream extends Duplex {
  bytes = 0;

  override _read(): void {
    // what the test writes is pushed from outside
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    callback();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.bytes += chunk.length;
    callback();
  }
}

interface Shape {
  readonly name: string;
  readonly members: number;
  readonly senders: number;
}

const SHAPES: readonly Shape[] = [
  { name: '1 -> 1,000 receivers, 64 B', members: 1001, senders: 1 },
  { name: '100 members each sending to the 99 others, 64 B', members: 100, senders: 100 },
];

const payload = `${'x'.repeat(63)}\n`;

/** Relays `messages` messages through a fresh hub of `shape`; returns the CPU microseconds per message. */
async function round(shape: Shape, history: boolean): Promise<number> {
  const hub = new BroadcastHub({
    framing: 'line',
    chat: { formatter: (event) => (event.type === 'message' ? event.text : undefined), builtinCommands: false },
    history: history ? { replayOnJoin: 0 } : false,
    idleTimeout: 0,
    partialMessageTimeout: 0,
  });
  hub.on('clientError', () => undefined);
  const streams: SinkStream[] = [];
  for (let index = 0; index < shape.members; index += 1) {
    const stream = new SinkStream();
    hub.accept(stream, { remoteAddress: `10.0.${Math.floor(index / 250)}.${index % 250}` });
    streams.push(stream);
  }
  const perMessage = payload.length;
  const expected = messages * perMessage * (shape.members - 1);
  const received = (): number => streams.reduce((sum, stream) => sum + stream.bytes, 0);
  const baseline = received();
  // Warm up the relay path of this hub before measuring.
  for (let index = 0; index < 200; index += 1) streams[index % shape.senders]?.push(payload);
  await settle(() => received() - baseline >= 200 * perMessage * (shape.members - 1));
  const start = received();
  const cpu = process.cpuUsage();
  let sent = 0;
  while (sent < messages) {
    // A turn's worth at a time, so that write queues stay short, as with real readers.
    for (let batch = 0; batch < 20 && sent < messages; batch += 1, sent += 1) streams[sent % shape.senders]?.push(payload);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await settle(() => received() - start >= expected);
  const used = process.cpuUsage(cpu);
  for (const stream of streams) stream.destroy();
  await hub.close({ timeout: 100 });
  return (used.user + used.system) / messages;
}

async function settle(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the hub did not deliver everything within 60 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const shape of SHAPES) {
  // One round of each first, not counted: the JIT compiles both paths.
  await round(shape, false);
  await round(shape, true);
  const off: number[] = [];
  const on: number[] = [];
  for (let index = 0; index < rounds; index += 1) {
    const order = index % 2 === 0 ? [false, true] : [true, false];
    for (const history of order) (history ? on : off).push(await round(shape, history));
  }
  const offMedian = median(off);
  const onMedian = median(on);
  // Each pair ran back to back: the median of the pairs' own differences shrugs off a busy moment.
  const paired = median(off.map((value, index) => (((on[index] ?? value) - value) / value) * 100));
  process.stdout.write(
    `${shape.name}: history off ${offMedian.toFixed(2)} µs CPU per message, on ${onMedian.toFixed(2)} µs: ${(((onMedian - offMedian) / offMedian) * 100).toFixed(1)}%; median of the ${rounds} pairs' differences ${paired.toFixed(1)}%\n`,
  );
}
