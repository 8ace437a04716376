/**
 * What the runner and the load generator tell each other. The runner starts one load
 * generator process per measurement and hands it a `Job`; the load generator answers with
 * JSON lines on stdout (`LoadgenEvent`) and, for the idle-memory job, waits for `continue`
 * lines on stdin while the runner reads the server's memory.
 */

/** The wire protocol a load-generator client speaks. */
export type ClientProtocol = 'line' | 'ws' | 'socketio' | 'redis' | 'nats';

/** Where the system under test listens; always loopback. */
export interface Target {
  readonly protocol: ClientProtocol;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Every port of a system of several hubs (`port` is the first): clients connect to them in turn. */
  readonly ports?: readonly number[];
}

/** Fields every job has. */
interface JobBase {
  readonly target: Target;
  /** Payload size in bytes, framing excluded. */
  readonly payloadBytes: number;
  /** Compare every payload byte with what was sent, not just the header and both ends. */
  readonly fullCheck: boolean;
}

/** One sender, many receivers, as fast as the slowest receiver keeps up. */
export interface FanoutJob extends JobBase {
  readonly kind: 'fanout';
  readonly receivers: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** One sender at a fixed rate, many receivers, latency of every delivery. */
export interface LatencyJob extends JobBase {
  readonly kind: 'latency';
  readonly receivers: number;
  readonly messagesPerSecond: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** Every member sends on a timer and receives everyone else. */
export interface ManyToManyJob extends JobBase {
  readonly kind: 'many-to-many';
  readonly members: number;
  readonly intervalMs: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** Idle receivers held open while the runner reads the server's memory. */
export interface IdleMemoryJob extends JobBase {
  readonly kind: 'idle-memory';
  /** Connections opened before the first reading, so one-time costs cancel out. */
  readonly baseConnections: number;
  /** Connections added between the two readings. */
  readonly connections: number;
}

/** Connections opened and closed as fast as the server takes them, then a delivery check. */
export interface ChurnJob extends JobBase {
  readonly kind: 'churn';
  readonly connections: number;
  readonly concurrency: number;
}

/** A measurement for the load generator. */
export type Job = FanoutJob | LatencyJob | ManyToManyJob | IdleMemoryJob | ChurnJob;

/** Points in a job at which the runner samples the server process. */
export type MarkName = 'measure-start' | 'measure-end' | 'idle-base' | 'idle-full';

/** What the load generator reports when a job is done. */
export interface LoadgenResult {
  /** Every receiver got every message it should have, complete and in order. */
  readonly verified: boolean;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  /** The first few verification or protocol errors. */
  readonly errors: readonly string[];
  /** Workload-specific numbers (rates, latency percentiles, window sizes). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The load generator's own CPU use over the measured window, in percent of one core. */
  readonly loadgenCpuPercent: number | null;
}

/** One JSON line from the load generator. */
export type LoadgenEvent =
  | { readonly event: 'mark'; readonly name: MarkName }
  | { readonly event: 'result'; readonly result: LoadgenResult }
  | { readonly event: 'failed'; readonly error: string };
