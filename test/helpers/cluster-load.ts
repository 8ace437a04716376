/**
 * Hubs under load for the cluster load tests: each in a process of its own
 * (test/fixtures/cluster-load-hub.ts), with the adapter options a test gives, and probes of
 * what it holds.
 */
import { join } from 'node:path';
import { ROOT, Spawned } from '../fixtures/spawned.js';
import type { BrokerKind, HubProcess } from './cluster.js';

/** What a load hub is started with: adapter options, and rooms each client joins unannounced. */
export interface LoadHubOptions {
  readonly heartbeatInterval?: number;
  readonly presenceTimeout?: number;
  readonly rooms?: readonly string[];
}

/** Starts a load hub on `url` and waits until it is subscribed and listening. */
export async function startLoadHub(kind: BrokerKind, url: string, prefix: string, options: LoadHubOptions = {}): Promise<HubProcess> {
  const fixture = join(ROOT, 'test', 'fixtures', 'cluster-load-hub.ts');
  const process_ = new Spawned(`load-hub-${kind}`, process.execPath, ['--import', 'tsx', fixture, kind, url, prefix, JSON.stringify(options)]);
  const match = await process_.waitFor(/READY (\d+) (\S+)\n/, 'stdout', 15_000);
  return { process: process_, port: Number(match[1]), hubId: match[2] ?? '' };
}

/** How many clients the hub has. */
export async function clientCount(hub: HubProcess): Promise<number> {
  hub.process.type('clients\n');
  const match = await hub.process.waitFor(/CLIENTS (\d+)\n/);
  return Number(match[1]);
}

/** The peers of the other hubs as `hub` sees them: how many, and how many room memberships in all. */
export async function remoteView(hub: HubProcess): Promise<{ peers: number; memberships: number }> {
  hub.process.type('remote\n');
  const match = await hub.process.waitFor(/REMOTE (\d+) (\d+)\n/);
  return { peers: Number(match[1]), memberships: Number(match[2]) };
}

/** The lines a hub process printed that start with `word` (`ERROR`, `STATUS`). */
export function printed(hub: HubProcess, word: string): string[] {
  return hub.process.printed.stdout.split('\n').filter((line) => line.startsWith(`${word} `));
}
