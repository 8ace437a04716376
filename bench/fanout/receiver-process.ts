/**
 * A load-generator process of the fan-out benchmarks: connects its share of the receivers (a
 * `ReceiverJob` as JSON in argv), checks that each gets every message in order, and reports
 * over IPC how far all of them have got together, so that the sender in the parent process
 * keeps its window. Several of these spread the receivers' parsing over several cores.
 */
import type { WebSocket } from 'ws';
import { IrcBenchClient } from './irc-client.js';
import { ProgressRing } from './progress-ring.js';
import type { ReceiverJob, ReceiverReport } from './receiver-protocol.js';
import { openWebSocket, WS_DIALECTS } from './ws-dialects.js';

const BATCH = 50;
const DIGIT_0 = 48;

function report(message: ReceiverReport): void {
  process.send?.(message);
}

const job = JSON.parse(process.argv[2] ?? '{}') as ReceiverJob;
const ring = new ProgressRing(job.window, job.count);
let errors = 0;
let scheduled = false;

function flush(): void {
  scheduled = false;
  report({ type: 'progress', done: ring.done, errors });
}

/** Receipt of `seq` by a receiver that expected `expected`; returns what it expects next. */
function receive(seq: number, expected: number): number {
  if (seq !== expected) errors += 1;
  // One report per event-loop turn, after every socket's data of that turn has been read.
  if ((ring.record(seq) || seq !== expected) && !scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
  return seq + 1;
}

const closers: (() => void)[] = [];

async function connectIrc(): Promise<void> {
  for (let index = 0; index < job.count; index += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, job.count - index) }, (_, offset) => new IrcBenchClient(job.port, `r${job.first + index + offset}`));
    for (const client of batch) {
      closers.push(() => client.socket.destroy());
      let expected = 0;
      client.onSeq = (seq) => {
        expected = receive(seq, expected);
      };
    }
    await Promise.all(batch.map((client) => client.whenReady()));
  }
}

async function connectWebSocket(door: 'hub-ws' | 'ws'): Promise<void> {
  const dialect = WS_DIALECTS[door];
  const url = `ws://127.0.0.1:${job.port}/`;
  for (let index = 0; index < job.count; index += BATCH) {
    const batch: WebSocket[] = await Promise.all(Array.from({ length: Math.min(BATCH, job.count - index) }, () => openWebSocket(url)));
    for (const socket of batch) {
      closers.push(() => {
        socket.terminate();
      });
      let expected = 0;
      socket.on('message', (data: Buffer) => {
        const at = dialect.payloadAt(data);
        if (at < 0) return;
        let seq = 0;
        for (let digit = at; digit < at + 9; digit += 1) seq = seq * 10 + (data[digit] ?? DIGIT_0) - DIGIT_0;
        expected = receive(seq, expected);
      });
    }
  }
}

function stop(): void {
  for (const close of closers) close();
  process.disconnect();
  process.exit(0);
}

// The one command there is (`ReceiverCommand`): stop.
process.on('message', stop);
// The parent is gone: nothing will read our reports.
process.on('disconnect', () => process.exit(0));

(job.door === 'irc' ? connectIrc() : connectWebSocket(job.door)).then(
  () => {
    report({ type: 'ready' });
  },
  (error: unknown) => {
    report({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
    for (const close of closers) close();
    setTimeout(() => process.exit(1), 100).unref();
  },
);
