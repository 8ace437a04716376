import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import type { ClientProtocol } from './protocol.js';

/** The systems measured side by side. */
export const SYSTEM_IDS = ['hub', 'hub-lib', 'hub-cluster', 'net-naive', 'net-coalescing', 'redis', 'nats', 'ws', 'socketio'] as const;
/** One of `SYSTEM_IDS`. */
export type SystemId = (typeof SYSTEM_IDS)[number];

/** How to start one server process. */
export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  /** `'announce'`: it prints `LISTENING <port>`; a number: it was told this port, poll it. */
  readonly port: 'announce' | number;
  /** What is started, for the report. */
  readonly describe: string;
  /** Send its standard output to /dev/null (the CLI logs every message there). */
  readonly discardOutput?: boolean;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a launch may depend on. */
export interface LaunchContext {
  /** A free port, for servers that must be told one. */
  readonly port: number;
  /** Extra node flags (`--cpu-prof` ...), for the hub only. */
  readonly nodeFlags: readonly string[];
  /** Where the hub's build was copied at the start of the run (`cli.js`, `index.js`). */
  readonly hubBuild: string;
}

/** A system under test. */
export interface SystemSpec {
  readonly id: SystemId;
  readonly label: string;
  readonly protocol: ClientProtocol;
  /** Why it cannot run here, or `null`. */
  unavailable(): string | null;
  /** How to start it. */
  launch(context: LaunchContext): LaunchSpec;
}

/** The repository root (bench/ is one level down). */
export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** Whether the hub is started through the CLI (`cli.js serve` of the build) rather than `bench/servers/hub-server.ts`. */
export function hubUsesCli(hubBuild: string): boolean {
  return existsSync(join(hubBuild, 'cli.js'));
}

/** Finds an executable on PATH or in the sbin directories, where Debian puts nats-server. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function nodeScript(file: string, nodeFlags: readonly string[], env?: Record<string, string>): LaunchSpec {
  return {
    ...(env === undefined ? {} : { env }),
    command: process.execPath,
    args: [...nodeFlags, '--import', 'tsx', join(ROOT, 'bench', 'servers', file), '--port', '0'],
    port: 'announce',
    describe: `node bench/servers/${file}`,
  };
}

/** The hub embedded by `bench/servers/hub-server.ts`, from the run's copy of the build when there is one. */
function hubScript(nodeFlags: readonly string[], hubBuild: string, file = 'hub-server.ts'): LaunchSpec {
  // An entry given to the runner (a candidate build, for experiments) wins over the run's copy.
  const given = process.env.BENCH_HUB_ENTRY;
  const built = join(hubBuild, 'index.js');
  // Without a copy, hub-server.ts itself picks dist/index.js, or src/ through tsx.
  const entry = given ?? (existsSync(built) ? built : undefined);
  return nodeScript(file, nodeFlags, entry === undefined ? undefined : { BENCH_HUB_ENTRY: entry });
}

const always = (): null => null;

/** Every system, in report order (the hub first). */
export const SYSTEMS: readonly SystemSpec[] = [
  {
    // As a user runs it: the CLI, whose console logs each message (to /dev/null here).
    id: 'hub',
    label: 'broadcast-chat (CLI)',
    protocol: 'line',
    unavailable: always,
    launch({ port, nodeFlags, hubBuild }) {
      if (!hubUsesCli(hubBuild)) return hubScript(nodeFlags, hubBuild);
      return {
        command: process.execPath,
        args: [...nodeFlags, join(hubBuild, 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--framing', 'line'],
        port,
        describe: `node dist/cli.js serve --host 127.0.0.1 --port ${port} --framing line >/dev/null`,
        discardOutput: true,
      };
    },
  },
  {
    // The library embedded in a program with no logging: what the hub itself costs.
    id: 'hub-lib',
    label: 'broadcast-chat (library)',
    protocol: 'line',
    unavailable: always,
    launch: ({ nodeFlags, hubBuild }) => hubScript(nodeFlags, hubBuild),
  },
  {
    // Three hubs joined by the Redis adapter (and a redis-server of their own): the fan-out across hubs.
    id: 'hub-cluster',
    label: 'broadcast-chat, 3 hubs over Redis',
    protocol: 'line',
    unavailable: () => (findBinary('redis-server') === null ? 'redis-server not found' : null),
    launch: ({ nodeFlags, hubBuild }) => hubScript(nodeFlags, hubBuild, 'hub-cluster-server.ts'),
  },
  {
    id: 'net-naive',
    label: 'net relay, naive',
    protocol: 'line',
    unavailable: always,
    launch: ({ nodeFlags }) => nodeScript('net-naive-relay.ts', nodeFlags),
  },
  {
    id: 'net-coalescing',
    label: 'net relay, coalescing',
    protocol: 'line',
    unavailable: always,
    launch: ({ nodeFlags }) => nodeScript('net-coalescing-relay.ts', nodeFlags),
  },
  {
    id: 'redis',
    label: 'Redis pub/sub',
    protocol: 'redis',
    unavailable: () => (findBinary('redis-server') === null ? 'redis-server not found' : null),
    launch({ port }) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
      return {
        command: findBinary('redis-server') ?? 'redis-server',
        args: [...args, '--dir', tmpdir(), '--logfile', ''],
        port,
        describe: `redis-server ${args.map((arg) => (arg === '' ? '""' : arg)).join(' ')}`,
      };
    },
  },
  {
    id: 'nats',
    label: 'NATS',
    protocol: 'nats',
    unavailable: () => (findBinary('nats-server') === null ? 'nats-server not found' : null),
    launch({ port }) {
      const args = ['-a', '127.0.0.1', '-p', String(port)];
      return { command: findBinary('nats-server') ?? 'nats-server', args, port, describe: `nats-server ${args.join(' ')}` };
    },
  },
  {
    id: 'ws',
    label: 'ws',
    protocol: 'ws',
    unavailable: always,
    launch: ({ nodeFlags }) => nodeScript('ws-relay.ts', nodeFlags),
  },
  {
    id: 'socketio',
    label: 'socket.io',
    protocol: 'socketio',
    unavailable: always,
    launch: ({ nodeFlags }) => nodeScript('socketio-relay.ts', nodeFlags),
  },
];

/** The spec of `id`. */
export function systemSpec(id: SystemId): SystemSpec {
  const spec = SYSTEMS.find((system) => system.id === id);
  if (spec === undefined) throw new Error(`unknown system ${id}`);
  return spec;
}
