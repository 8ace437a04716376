/**
 * Soak: a hub in its own process under steady traffic, client churn and random faults for a
 * chosen time, then a report of what was delivered (and verified) and how its memory and file
 * descriptors behaved. Not part of `npm test`.
 *
 *   npm run soak                       # 2 minutes
 *   npm run soak -- --minutes 10 --clients 100 --out soak.md
 *
 * Stable clients each send a numbered message every `--interval` ms and check that, from every
 * other stable client, they receive every number once and in order. Meanwhile a churn of short
 * clients connects and misbehaves: resets mid-message, half-closes, vanishes, dies while being
 * written to, sends oversized lines or invalid UTF-8, or connects and never reads.
 *
 * Memory is judged on the hub's heap after a full GC, sampled once a second: the slope over the
 * second half of the run (after warm-up) should be about zero. RSS is reported too, but glibc
 * keeps freed pages, so RSS only has to stop growing, not shrink.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    clients: { type: 'string', default: '50' },
    interval: { type: 'string', default: '100' },
    churn: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const STABLE = Number(values.clients);
const INTERVAL_MS = Number(values.interval);
/** Misbehaving connections opened per second. */
const CHURN_PER_SECOND = Number(values.churn);
if (![MINUTES, STABLE, INTERVAL_MS, CHURN_PER_SECOND].every((value) => Number.isFinite(value) && value > 0)) {
  console.error('usage: soak [--minutes 2] [--clients 50] [--interval 100] [--churn 10] [--out FILE]');
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  readonly seconds: number;
  readonly rss: number;
  readonly heap: number;
  readonly clients: number;
  readonly fds: number;
}

/** The hub process: its port and the stats it prints. */
class HubProcess {
  readonly samples: Sample[] = [];
  readonly ready: Promise<number>;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly started = Date.now();

  constructor() {
    this.child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'soak-hub.ts')], { stdio: 'pipe', cwd: join(here, '..') });
    this.child.stderr.pipe(process.stderr);
    let buffer = '';
    this.ready = new Promise((resolve, reject) => {
      this.child.once('exit', (code) => { reject(new Error(`the hub exited early (${code})`)); });
      this.child.stdout.setEncoding('utf8');
      this.child.stdout.on('data', (text: string) => {
        buffer += text;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const [kind, ...fields] = line.split(' ');
          if (kind === 'READY') resolve(Number(fields[0]));
          if (kind === 'STATS') {
            const [rss = 0, heap = 0, clients = 0, fds = 0] = fields.map(Number);
            this.samples.push({ seconds: (Date.now() - this.started) / 1000, rss, heap, clients, fds });
          }
        }
      });
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** A well-behaved client: sends numbered messages and checks what every other one sends. */
class StableClient {
  sent = 0;
  verified = 0;
  readonly problems: string[] = [];
  private readonly expected = new Map<number, number>();
  private rest = '';

  constructor(
    readonly index: number,
    readonly socket: Socket,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const lines = (this.rest + text).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) this.receive(line);
    });
    socket.on('error', (error) => this.problems.push(`stable ${index}: ${error.message}`));
    socket.on('close', () => this.problems.push(`stable ${index}: connection closed`));
  }

  send(): void {
    this.socket.write(`M ${this.index} ${this.sent} ${'x'.repeat(64)}\n`);
    this.sent += 1;
  }

  /** Messages from stable clients carry `M sender number`; anything else is churn, and ignored. */
  private receive(line: string): void {
    if (!line.startsWith('M ')) return;
    const [, senderText, numberText] = line.split(' ');
    const sender = Number(senderText);
    const number = Number(numberText);
    const want = this.expected.get(sender) ?? 0;
    if (number !== want) this.problems.push(`stable ${this.index}: from ${sender} got #${number}, expected #${want}`);
    this.expected.set(sender, number + 1);
    this.verified += 1;
  }

  /** Whether everything every other client sent has arrived. */
  caughtUp(clients: readonly StableClient[]): boolean {
    return clients.every((other) => other === this || (this.expected.get(other.index) ?? 0) === other.sent);
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => { resolve(socket); });
    socket.once('error', reject);
  });
}

const faults = ['reset-mid-message', 'half-close', 'vanish', 'destroy-while-written', 'oversized', 'invalid-utf8', 'never-reads'] as const;
type Fault = (typeof faults)[number];

/** One misbehaving connection; resolves once it is gone. */
async function misbehave(port: number, fault: Fault): Promise<void> {
  let socket: Socket;
  try {
    socket = await open(port);
  } catch {
    return;
  }
  socket.on('error', () => undefined);
  switch (fault) {
    case 'reset-mid-message':
      socket.write(`half a message ${'p'.repeat(200)}`);
      await sleep(Math.random() * 50);
      socket.resetAndDestroy();
      return;
    case 'half-close':
      socket.end('a last line, then FIN\n');
      return;
    case 'vanish':
      socket.destroy();
      return;
    case 'destroy-while-written':
      await Promise.race([new Promise((resolve) => socket.once('data', resolve)), sleep(500)]);
      socket.destroy();
      return;
    case 'oversized':
      socket.write(Buffer.alloc(64 * 1024, 0x61));
      socket.end('\n');
      return;
    case 'invalid-utf8':
      socket.end(Buffer.from([0x68, 0x69, 0xff, 0xfe, 0xc3, 0x0a]));
      return;
    case 'never-reads':
      // Paused: the hub's writes pile up in the kernel, then in its queue, for a few seconds.
      socket.pause();
      await sleep(1000 + Math.random() * 3000);
      socket.destroy();
      return;
  }
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);

async function main(): Promise<void> {
  const hub = new HubProcess();
  const port = await hub.ready;
  await sleep(1500);
  const baseline = hub.samples.at(-1);
  const clients = await Promise.all(Array.from({ length: STABLE }, async (_, index) => new StableClient(index, await open(port))));
  const endAt = Date.now() + MINUTES * 60_000;
  let churned = 0;
  const inFlight = new Set<Promise<void>>();
  const faultCounts = new Map<Fault, number>();
  const ticker = setInterval(() => {
    for (const client of clients) client.send();
  }, INTERVAL_MS);
  const churner = setInterval(() => {
    for (let index = 0; index < Math.max(1, Math.round(CHURN_PER_SECOND / 10)); index += 1) {
      const fault = faults[Math.floor(Math.random() * faults.length)] ?? 'vanish';
      faultCounts.set(fault, (faultCounts.get(fault) ?? 0) + 1);
      churned += 1;
      const done = misbehave(port, fault).finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
  }, 100);
  let nextReport = Date.now() + 10_000;
  while (Date.now() < endAt && hub.alive) {
    await sleep(250);
    if (Date.now() >= nextReport) {
      nextReport += 10_000;
      const last = hub.samples.at(-1);
      if (last !== undefined) console.error(`${last.seconds.toFixed(0)} s: rss ${mib(last.rss)} MiB, heap ${mib(last.heap)} MiB, ${last.clients} clients, ${last.fds} fds, ${churned} churned`);
    }
  }
  clearInterval(ticker);
  clearInterval(churner);
  await Promise.all(inFlight);
  const drainDeadline = Date.now() + 30_000;
  while (!clients.every((client) => client.caughtUp(clients)) && Date.now() < drainDeadline) await sleep(100);
  const caughtUp = clients.every((client) => client.caughtUp(clients));
  const endOfLoad = hub.samples.at(-1);
  for (const client of clients) {
    client.socket.removeAllListeners('close');
    client.socket.end();
  }
  await sleep(3000);
  const settled = hub.samples.at(-1);
  const hubAlive = hub.alive;
  await hub.stop();

  const sent = clients.reduce((sum, client) => sum + client.sent, 0);
  const verified = clients.reduce((sum, client) => sum + client.verified, 0);
  const expected = sent * (STABLE - 1);
  const problems = clients.flatMap((client) => client.problems);
  const loadSamples = hub.samples.filter((sample) => baseline !== undefined && endOfLoad !== undefined && sample.seconds > baseline.seconds && sample.seconds <= endOfLoad.seconds);
  const secondHalf = loadSamples.slice(Math.floor(loadSamples.length / 2));
  const heapSlope = slope(secondHalf.map((sample) => [sample.seconds / 60, sample.heap]));
  const rssSlope = slope(secondHalf.map((sample) => [sample.seconds / 60, sample.rss]));
  const heapPeak = Math.max(...loadSamples.map((sample) => sample.heap));
  const rssPeak = Math.max(...loadSamples.map((sample) => sample.rss));
  // Flat: the post-GC heap grows by less than 1 MiB a minute over the second half.
  const flat = Math.abs(heapSlope) < 1024 * 1024;
  const fdsBack = settled !== undefined && baseline !== undefined && settled.fds <= baseline.fds && settled.clients === 0;
  const timeline = loadSamples.filter((_, index) => index % Math.max(1, Math.round(loadSamples.length / 12)) === 0);

  const report = [
    `## Soak: ${MINUTES} min, ${STABLE} stable clients, ${CHURN_PER_SECOND} faulty connections/s`,
    '',
    `- Date: ${new Date().toISOString()}; Node ${process.version}; ${process.platform} ${process.arch}`,
    `- Messages sent by stable clients: ${sent}; deliveries verified (complete, in order, per sender): ${verified} of ${expected} expected${caughtUp ? '' : ' (NOT all caught up)'}`,
    `- Order or loss problems: ${problems.length === 0 ? 'none' : problems.slice(0, 5).join('; ')}`,
    `- Faulty connections: ${churned} (${[...faultCounts].map(([fault, count]) => `${fault} ${count}`).join(', ')})`,
    `- Hub process alive at the end: ${hubAlive ? 'yes' : 'NO'}`,
    `- Hub heap after GC: baseline ${mib(baseline?.heap ?? 0)} MiB, peak ${mib(heapPeak)} MiB, end of load ${mib(endOfLoad?.heap ?? 0)} MiB, settled ${mib(settled?.heap ?? 0)} MiB; slope over the second half ${(heapSlope / 1048576).toFixed(2)} MiB/min: ${flat ? 'flat' : 'GROWING'}`,
    `- Hub RSS: baseline ${mib(baseline?.rss ?? 0)} MiB, peak ${mib(rssPeak)} MiB, end of load ${mib(endOfLoad?.rss ?? 0)} MiB, settled ${mib(settled?.rss ?? 0)} MiB; slope over the second half ${(rssSlope / 1048576).toFixed(2)} MiB/min`,
    `- File descriptors: baseline ${baseline?.fds ?? '?'}, end of load ${endOfLoad?.fds ?? '?'}, settled ${settled?.fds ?? '?'} (${fdsBack ? 'back to baseline, no clients left' : 'NOT back to baseline'})`,
    '',
    '| time (s) | RSS (MiB) | heap after GC (MiB) | clients | fds |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...timeline.map((sample) => `| ${sample.seconds.toFixed(0)} | ${mib(sample.rss)} | ${mib(sample.heap)} | ${sample.clients} | ${sample.fds} |`),
    '',
  ].join('\n');
  console.log(report);
  if (values.out !== undefined) writeFileSync(values.out, report);
  const ok = hubAlive && caughtUp && problems.length === 0 && verified === expected && flat && fdsBack;
  process.exit(ok ? 0 : 1);
}

await main();
