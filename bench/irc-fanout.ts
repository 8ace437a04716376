/**
 * IRC fan-out: the hub behind its IRC door (bench/servers/hub-irc-server.ts) beside ngircd and
 * InspIRCd (Debian packages), in the same run: one sender, N receivers, all in #bench, 64 B
 * messages as fast as the slowest receiver keeps up.
 *
 *   npx tsx bench/irc-fanout.ts [--receivers 100,1000] [--seconds 3] [--window 64] [--rounds 1]
 *
 * Each server runs in a process of its own, with its flood protection off (ngircd's penalties,
 * InspIRCd's fakelag and command rate) and its connection limits raised; this process is the
 * load generator, the same for all three, so what differs is the server. Every client is a
 * plain IRC connection that registers (NICK, USER), waits for 001 and joins #bench. The sender
 * keeps at most `window` messages ahead of the slowest receiver; every receiver checks that it
 * gets every message, in order. Reported: messages per second the sender got through, and
 * deliveries per second (messages x receivers); the median of the rounds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from './free-port.js';
import { waitForQuiet } from './quiet-machine.js';
import { startServer, type RunningServer } from './server-process.js';
import { findBinary, ROOT, type LaunchSpec } from './systems.js';

const PAYLOAD_BYTES = 64;
const CHANNEL = '#bench';
const { values } = parseArgs({
  options: {
    receivers: { type: 'string', default: '100,1000' },
    seconds: { type: 'string', default: '3' },
    window: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '1' },
    systems: { type: 'string', default: 'hub-irc,ngircd,inspircd' },
    profile: { type: 'string' },
  },
});
const receiverCounts = values.receivers.split(',').map(Number);
const measureMs = Number(values.seconds) * 1000;
const windowSize = Number(values.window);
const rounds = Math.max(1, Number(values.rounds));
const chosen = new Set(values.systems.split(','));
/** `--profile DIR`: the hub's process writes a CPU profile there (`node --cpu-prof`). */
const profileDir = values.profile;

interface System {
  readonly id: string;
  readonly label: string;
  /** How to start it, on `port` (a free one) with a scratch directory `dir`; `undefined` when it is not installed. */
  launch(port: number, dir: string): LaunchSpec | undefined;
}

const systems: readonly System[] = [
  {
    id: 'hub-irc',
    label: 'broadcast-chat, IRC door',
    launch: () => ({
      command: process.execPath,
      args: [...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]), '--import', 'tsx', join(ROOT, 'bench', 'servers', 'hub-irc-server.ts'), '--port', '0'],
      port: 'announce',
      describe: 'hub-irc-server.ts',
    }),
  },
  {
    id: 'ngircd',
    label: 'ngircd',
    launch: (port, dir) => {
      const binary = findBinary('ngircd');
      if (binary === null) return undefined;
      const config = join(dir, 'ngircd.conf');
      writeFileSync(
        config,
        [
          '[Global]',
          'Name = bench.ngircd.local',
          'Info = bench',
          'Listen = 127.0.0.1',
          `Ports = ${port}`,
          'MotdPhrase = bench',
          '[Limits]',
          'MaxConnections = 0',
          'MaxConnectionsIP = 0',
          'MaxJoins = 0',
          // No penalties: a sender is not slowed down for sending fast.
          'MaxPenaltyTime = 0',
          'PingTimeout = 600',
          'PongTimeout = 600',
          '[Options]',
          'DNS = no',
          'Ident = no',
          'PAM = no',
          '',
        ].join('\n'),
      );
      return { command: binary, args: ['-n', '-f', config], port, describe: 'ngircd' };
    },
  },
  {
    id: 'inspircd',
    label: 'InspIRCd',
    launch: (port, dir) => {
      const binary = findBinary('inspircd');
      if (binary === null) return undefined;
      const config = join(dir, 'inspircd.conf');
      writeFileSync(
        config,
        [
          '<server name="bench.inspircd.local" description="bench" network="bench">',
          '<admin name="bench" nick="bench" email="bench@localhost">',
          `<bind address="127.0.0.1" port="${port}" type="clients">`,
          // No fakelag and no command rate: a sender is not slowed down for sending fast.
          '<connect name="main" allow="*" timeout="60" pingfreq="600" threshold="100000000" commandrate="100000000" fakelag="no" hardsendq="16777216" softsendq="16777216" recvq="1048576" localmax="5000" globalmax="5000" resolvehostnames="no" useident="no">',
          '<channels users="100" opers="100">',
          '<dns server="127.0.0.1" timeout="1">',
          `<log method="file" type="*" level="default" target="${join(dir, 'inspircd.log')}">`,
          `<pid file="${join(dir, 'inspircd.pid')}">`,
          '<performance softlimit="12800" somaxconn="1024" clonesonconnect="no" quietbursts="yes">',
          '',
        ].join('\n'),
      );
      return { command: binary, args: ['--nofork', '--runasroot', `--config=${config}`], port, describe: 'inspircd' };
    },
  },
];

/** A 64 B payload: `Q`, the sequence number in 9 digits, filler. */
function payload(seq: number): string {
  return `Q${String(seq).padStart(9, '0')}${'x'.repeat(PAYLOAD_BYTES - 10)}`;
}

const LF = 0x0a;
const CR = 0x0d;
const Q = 0x51;
const COLON = 0x3a;

/**
 * One IRC connection of the load: registers, joins #bench, answers PINGs, and then hands each
 * benchmark message's sequence number to `onSeq`, found without parsing the line (a line that
 * ends in `:Q` and the 9 digits and filler of a payload).
 */
class BenchClient {
  readonly socket: Socket;
  onSeq: ((seq: number) => void) | undefined;
  private tail: Buffer | undefined;
  private readonly ready: Promise<void>;

  constructor(port: number, nick: string) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.setNoDelay(true);
    let registered = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${nick} did not get into ${CHANNEL}`));
      }, 60_000);
      this.setup = (line) => {
        if (!registered && line.includes(' 001 ')) {
          registered = true;
          this.socket.write(`JOIN ${CHANNEL}\r\n`);
        } else if (line.includes(` 366 ${nick} ${CHANNEL} `)) {
          clearTimeout(timer);
          resolve();
        } else if (/^:\S+ 4[3-7]\d /.test(line) || line.startsWith('ERROR')) {
          clearTimeout(timer);
          reject(new Error(`${nick}: ${line}`));
        }
      };
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.read(chunk);
    });
    this.socket.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`);
  }

  /** Resolves once the client is in #bench. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private setup: ((line: string) => void) | undefined;

  private read(data: Buffer): void {
    const chunk = this.tail === undefined ? data : Buffer.concat([this.tail, data]);
    this.tail = undefined;
    let start = 0;
    for (let newline = chunk.indexOf(LF, start); newline !== -1; newline = chunk.indexOf(LF, start)) {
      const end = newline > start && chunk[newline - 1] === CR ? newline - 1 : newline;
      const at = end - PAYLOAD_BYTES;
      if (this.onSeq !== undefined && at > start && chunk[at] === Q && chunk[at - 1] === COLON) {
        let seq = 0;
        for (let digit = at + 1; digit < at + 10; digit += 1) seq = seq * 10 + (chunk[digit] ?? 48) - 48;
        this.onSeq(seq);
      } else {
        const line = chunk.toString('latin1', start, end);
        if (line.startsWith('PING ')) this.socket.write(`PONG ${line.slice(5)}\r\n`);
        else this.setup?.(line);
      }
      start = newline + 1;
    }
    if (start < chunk.length) this.tail = Buffer.from(chunk.subarray(start));
  }
}

interface Row {
  readonly system: string;
  readonly receivers: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly errors: number;
}

async function measure(system: System, receivers: number): Promise<Row | undefined> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${system.id}-`));
  const launch = system.launch(await freePort(), dir);
  if (launch === undefined) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const server: RunningServer = await startServer(launch, null, ROOT);
  const clients: BenchClient[] = [];
  try {
    // Completions per in-flight message, in a ring: a message is done once every receiver has it.
    const ring = new Int32Array(windowSize * 2);
    let sent = 0;
    let completed = 0;
    let errors = 0;
    const link: { sender?: BenchClient } = {};
    const pump = (): void => {
      const sender = link.sender;
      if (sender === undefined) return;
      let lines = '';
      while (sent - completed < windowSize) {
        lines += `PRIVMSG ${CHANNEL} :${payload(sent)}\r\n`;
        sent += 1;
      }
      if (lines !== '') sender.socket.write(lines);
    };
    for (let index = 0; index < receivers; index += 50) {
      const batch = Array.from({ length: Math.min(50, receivers - index) }, (_, offset) => new BenchClient(server.port, `r${index + offset}`));
      clients.push(...batch);
      await Promise.all(batch.map((client) => client.whenReady()));
    }
    for (const client of clients) {
      let expected = 0;
      client.onSeq = (seq) => {
        if (seq !== expected) errors += 1;
        expected = seq + 1;
        const slot = seq % ring.length;
        ring[slot] = (ring[slot] ?? 0) + 1;
        while (ring[completed % ring.length] === receivers) {
          ring[completed % ring.length] = 0;
          completed += 1;
        }
        pump();
      };
    }
    // Let the join notices (one per receiver to every receiver) drain before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sender = new BenchClient(server.port, 'sender');
    clients.push(sender);
    await sender.whenReady();
    await waitForQuiet(5000);
    link.sender = sender;
    pump();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const start = completed;
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, measureMs));
    const seconds = (performance.now() - startedAt) / 1000;
    const messages = completed - start;
    return { system: system.label, receivers, messagesPerSecond: messages / seconds, deliveriesPerSecond: (messages * receivers) / seconds, errors };
  } finally {
    for (const client of clients) client.socket.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const rows: Row[] = [];
for (const receivers of receiverCounts) {
  const samples = new Map<string, Row[]>();
  // Rounds interleave the systems, so that a noisy moment of the machine is spread over all three.
  for (let round = 0; round < rounds; round += 1) {
    for (const system of systems.filter((candidate) => chosen.has(candidate.id))) {
      const row = await measure(system, receivers);
      if (row === undefined) {
        if (round === 0) process.stderr.write(`${system.label}: not installed, skipped\n`);
        continue;
      }
      samples.set(system.id, [...(samples.get(system.id) ?? []), row]);
      process.stderr.write(`${row.system}, 1 -> ${receivers}: ${Math.round(row.messagesPerSecond)} msg/s, ${Math.round(row.deliveriesPerSecond)} deliveries/s${row.errors > 0 ? `, ${row.errors} out of order` : ''}\n`);
    }
  }
  for (const system of systems) {
    const taken = samples.get(system.id);
    if (taken === undefined) continue;
    rows.push({
      system: system.label,
      receivers,
      messagesPerSecond: median(taken.map((row) => row.messagesPerSecond)),
      deliveriesPerSecond: median(taken.map((row) => row.deliveriesPerSecond)),
      errors: taken.reduce((sum, row) => sum + row.errors, 0),
    });
  }
}
console.log('| workload | system | messages/s | deliveries/s |');
console.log('| --- | --- | ---: | ---: |');
for (const row of rows) console.log(`| 1 -> ${row.receivers} x ${PAYLOAD_BYTES} B | ${row.system} | ${Math.round(row.messagesPerSecond).toLocaleString('en')} | ${Math.round(row.deliveriesPerSecond).toLocaleString('en')} |`);
