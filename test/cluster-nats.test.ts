import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from './fixtures/spawned.js';
import { missingBroker, OwnBroker } from './helpers/cluster.js';
import { clusterSuite } from './helpers/cluster-suite.js';

// Runs against the NATS at 127.0.0.1:4222 (or NATS_URL), which needs JetStream for nickname
// claims, plus a nats-server of its own for the restart test; skips, naming what is missing, when there is none.
const missing = await missingBroker('nats');
clusterSuite('nats', missing);

const transportModule = JSON.stringify(pathToFileURL(join(ROOT, 'src', 'nats', 'nats-transport.ts')).href);

// Each in a process of its own, so that what keeps a process alive shows: it must exit by itself.
// Timers still pending right after close() are what would keep it alive (a retry's sleep, a
// reconnect loop); counting them does not depend on how busy the machine is.
const PENDING_TIMERS = `const pendingTimers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;`;
const closeWhileRetrying = `${PENDING_TIMERS}
import { createServer } from 'node:net';
const { NatsTransport } = await import(${transportModule});
// Accepts and hangs up at once: every attempt to connect fails, fast.
const server = createServer((socket) => socket.destroy());
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const transport = new NatsTransport({ servers: '127.0.0.1:' + server.address().port, claimTtl: 1000, maxReconnectDelay: 60000 });
let errors = 0;
const started = transport.start({ message() {}, up() {}, down() {}, error() { errors += 1; } }).then(() => 'started', (error) => 'rejected: ' + error.message);
// Long enough for the backoff's waits to have grown to seconds.
await new Promise((resolve) => setTimeout(resolve, 3000));
server.close();
await transport.close();
console.log('CLOSED');
console.log((await started) + ', reported ' + errors);
console.log('timers: ' + pendingTimers());
`;

// Connects, is told on stdin that the server is gone, and closes while the client reconnects.
const closeWhileReconnecting = (url: string): string => `
import { createInterface } from 'node:readline';
const { NatsTransport } = await import(${transportModule});
const transport = new NatsTransport({ servers: ${JSON.stringify(url)}, claimTtl: 1000 });
let down;
const isDown = new Promise((resolve) => { down = resolve; });
await transport.start({ message() {}, up() {}, down, error() {} });
console.log('STARTED');
await isDown;
// A few reconnect attempts in.
await new Promise((resolve) => setTimeout(resolve, 1500));
await transport.close();
console.log('CLOSED');
`;

interface ChildRun {
  exit: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the line `CLOSED` to the exit. */
  exitAfterClose: number;
}

/** Runs `script` as an ES module with tsx; `onStarted` runs once it prints `STARTED`. */
async function runScript(script: string, onStarted?: () => Promise<void>): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let closedAt = 0;
  let started = false;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    if (closedAt === 0 && stdout.includes('CLOSED')) closedAt = Date.now();
    if (!started && stdout.includes('STARTED')) {
      started = true;
      void onStarted?.();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exit = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, 15_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { exit, stdout, stderr, exitAfterClose: closedAt === 0 ? Number.POSITIVE_INFINITY : Date.now() - closedAt };
}

describe('NatsTransport', () => {
  it('stops retrying its first connection on close, and keeps no timer alive', async () => {
    const run = await runScript(closeWhileRetrying);
    expect(run.stderr).toBe('');
    expect(run.exit).toBe(0);
    // Reported once, not once per attempt; and the start() promise settled.
    expect(run.stdout.trim().split('\n')).toEqual(['CLOSED', 'rejected: closed before connecting to NATS, reported 1', 'timers: 0']);
    // A generous bound: process teardown on a busy machine, not a retry's sleep.
    expect(run.exitAfterClose).toBeLessThan(5000);
  }, 20_000);

  it.skipIf(missing !== undefined)('closed while reconnecting, stops the client’s reconnect loop', async () => {
    const broker = await OwnBroker.start('nats');
    try {
      const run = await runScript(closeWhileReconnecting(broker.url), () => broker.stop());
      expect(run.stderr).toBe('');
      expect(run.exit).toBe(0);
      expect(run.stdout.trim().split('\n')).toEqual(['STARTED', 'CLOSED']);
      // nats.js clears its last timer within about a second of close(); a reconnect loop left running never ends (killed at 15 s).
      expect(run.exitAfterClose).toBeLessThan(5000);
    } finally {
      await broker.close();
    }
  }, 20_000);
});
