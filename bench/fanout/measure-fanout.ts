import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port.js';
import { machineBusyMilliseconds } from '../proc-stats.js';
import { waitForQuiet } from '../quiet-machine.js';
import { startServer, type RunningServer } from '../server-process.js';
import { ROOT, type LaunchSpec } from '../systems.js';
import type { FanoutPinning } from './fanout-pinning.js';
import type { ReceiverJob } from './receiver-protocol.js';
import { startReceivers, type ReceiverPool } from './receiver-pool.js';

/** The one sending client, in this process. */
export interface FanoutSender {
  /** Sends messages `from` .. `to`-1, as few writes as the protocol allows. */
  send(from: number, to: number): void;
  close(): void;
}

/** One server of a fan-out benchmark. */
export interface FanoutSystem {
  readonly id: string;
  readonly label: string;
  /** The wire its receivers speak. */
  readonly door: ReceiverJob['door'];
  /** How to start it on `port` (a free one) with a scratch directory `dir`; `undefined` when it is not installed. */
  launch(port: number, dir: string): LaunchSpec | undefined;
  /** Connects the sender once the receivers are in. */
  connectSender(port: number): Promise<FanoutSender>;
}

/** How every measurement runs. */
export interface FanoutSettings {
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Receiver processes per measurement. */
  readonly loadgens: number;
  readonly pinning: FanoutPinning;
  /** Before measuring, wait at most this long for the rest of the machine to go quiet. */
  readonly quietWaitMs: number;
  /** A measurement counts as quiet when other work took at most this much of one core during it. */
  readonly maxOtherPercent: number;
}

/** One measurement: a system, a receiver count, a round. CPU percents are of one core, over the measured interval. */
export interface FanoutSample {
  readonly system: string;
  readonly label: string;
  readonly receivers: number;
  readonly round: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  /** The server process's own CPU (user + system, all its threads, children excluded) over the interval, in seconds. */
  readonly serverCpuSeconds: number | null;
  readonly serverCpuPercent: number | null;
  /** Deliveries divided by the server's CPU seconds: what the server spends, whoever limits the rate. */
  readonly deliveriesPerServerCpuSecond: number | null;
  /** The receiver processes' and the sender's process's CPU together. */
  readonly loadgenCpuPercent: number | null;
  /** The busiest receiver process's CPU. */
  readonly busiestReceiverCpuPercent: number | null;
  /** A receiver process at 90% of a core or more, or the load generators at 90% of their cores: the rate shows them, not the server. */
  readonly loadgenBound: boolean;
  /** Everything else the machine ran meanwhile (machine minus server minus load generators). */
  readonly otherCpuPercent: number | null;
  readonly quiet: boolean;
  /** Messages that reached a receiver out of order. */
  readonly errors: number;
}

interface Snapshot {
  readonly at: number;
  readonly completed: number;
  readonly server: number | null;
  readonly receivers: (number | null)[];
  /** This process (the sender's), user + system, ms. */
  readonly self: number;
  readonly machine: number | null;
}

function snapshot(server: RunningServer, pool: ReceiverPool): Snapshot {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    completed: pool.completed(),
    server: server.cpuMilliseconds(),
    receivers: pool.cpuMilliseconds(),
    self: (usage.user + usage.system) / 1000,
    machine: machineBusyMilliseconds(),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What `from` .. `to` says about the interval between them. */
function assess(system: FanoutSystem, receivers: number, round: number, from: Snapshot, to: Snapshot, errors: number, settings: FanoutSettings): FanoutSample {
  const ms = to.at - from.at;
  const percent = (before: number | null | undefined, after: number | null | undefined): number | null => (before == null || after == null ? null : ((after - before) * 100) / ms);
  const messages = to.completed - from.completed;
  const deliveries = messages * receivers;
  const serverCpuMs = from.server === null || to.server === null ? null : to.server - from.server;
  const receiverPercents = from.receivers.map((before, index) => percent(before, to.receivers[index]));
  const receiverTotal = receiverPercents.some((value) => value === null) ? null : receiverPercents.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  const loadgenCpuPercent = receiverTotal === null ? null : receiverTotal + (percent(from.self, to.self) ?? 0);
  const busiest = receiverTotal === null ? null : Math.max(...receiverPercents.map((value) => value ?? 0));
  const serverCpuPercent = percent(from.server, to.server);
  const machine = percent(from.machine, to.machine);
  const otherCpuPercent = machine === null || serverCpuPercent === null || loadgenCpuPercent === null ? null : Math.max(0, machine - serverCpuPercent - loadgenCpuPercent);
  return {
    system: system.id,
    label: system.label,
    receivers,
    round,
    seconds: ms / 1000,
    messagesPerSecond: (messages * 1000) / ms,
    deliveriesPerSecond: (deliveries * 1000) / ms,
    serverCpuSeconds: serverCpuMs === null ? null : serverCpuMs / 1000,
    serverCpuPercent,
    deliveriesPerServerCpuSecond: serverCpuMs === null || serverCpuMs <= 0 ? null : deliveries / (serverCpuMs / 1000),
    loadgenCpuPercent,
    busiestReceiverCpuPercent: busiest,
    loadgenBound: (busiest !== null && busiest >= 90) || (loadgenCpuPercent !== null && loadgenCpuPercent >= 90 * settings.pinning.loadgenCoreCount),
    otherCpuPercent,
    quiet: otherCpuPercent !== null && otherCpuPercent <= settings.maxOtherPercent,
    errors,
  };
}

/**
 * One measurement: a fresh server (on the server core) and `loadgens` receiver processes (on
 * the load generators' cores) with `receivers` receivers in all, then the sender in this
 * process keeps `window` messages ahead of the slowest receiver; after the warm-up, counts what
 * got through and what each process spent over exactly the measured interval.
 */
export async function measureFanout(system: FanoutSystem, receivers: number, round: number, settings: FanoutSettings): Promise<FanoutSample | undefined> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${system.id}-`));
  const launch = system.launch(await freePort(), dir);
  if (launch === undefined) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  let server: RunningServer;
  try {
    server = await startServer(launch, settings.pinning.server, ROOT);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let pool: ReceiverPool | undefined;
  let sender: FanoutSender | undefined;
  try {
    pool = await startReceivers({ door: system.door, port: server.port, receivers, loadgens: settings.loadgens, window: settings.window, pinning: settings.pinning });
    const running = pool;
    // Let the join notices (one per receiver to every receiver) drain before measuring.
    await sleep(1000);
    const connected = await system.connectSender(server.port);
    sender = connected;
    await waitForQuiet(settings.quietWaitMs);
    let sent = 0;
    const pump = (): void => {
      const limit = running.completed() + settings.window;
      if (sent >= limit) return;
      connected.send(sent, limit);
      sent = limit;
    };
    running.onProgress = pump;
    pump();
    await sleep(settings.warmupMs);
    const from = snapshot(server, running);
    await sleep(settings.measureMs);
    const to = snapshot(server, running);
    // A message lost or held back stops the window, and the rate with it.
    if (to.completed === from.completed) throw new Error(`no message reached every receiver in ${settings.measureMs} ms (out of order: ${running.errors()})`);
    return assess(system, receivers, round, from, to, running.errors(), settings);
  } finally {
    sender?.close();
    await pool?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
