/**
 * IRC fan-out: the hub behind its IRC door (bench/servers/hub-irc-server.ts) beside ngircd and
 * InspIRCd (Debian packages), in the same run: one sender, N receivers, all in #bench, 64 B
 * messages as fast as the slowest receiver keeps up (issue 19's goal: the hub at least 1.5x the
 * faster of the two).
 *
 *   npx tsx bench/irc-fanout.ts [--receivers 100,1000] [--seconds 3] [--rounds 1] [--loadgens K]
 *
 * Each server runs in a process of its own, with its flood protection off (ngircd's penalties,
 * InspIRCd's fakelag and command rate) and its connection limits raised. The load generator is
 * the same for all three, so what differs is the server: K receiver processes
 * (bench/fanout/receiver-process.ts) share the receivers, each a plain IRC connection that
 * registers (NICK, USER), waits for 001, joins #bench and checks that it gets every message in
 * order; each process reports over IPC, once per event-loop turn, how far all its receivers
 * have got. The sender, in this process, keeps at most `window` messages ahead of the slowest
 * receiver of all.
 *
 * Reported per system and receiver count (median of the rounds): messages/s the sender got
 * through, deliveries/s (messages x receivers), the server process's CPU over exactly the
 * measured interval (/proc/<pid>/stat, user + system, children excluded) and deliveries per
 * server CPU-second, the load generators' and the rest of the machine's CPU, and whether the
 * machine was quiet. Where the load generators are at their limit (1 -> 1,000 on two cores)
 * the rate shows them, not the server: compare deliveries per server CPU-second there. Writes
 * bench/results/irc-fanout-<time>.{md,json} and latest-irc-fanout.{md,json}.
 *
 * Options:
 *   --receivers a,b      receiver counts (default 100,1000)
 *   --seconds S          measured interval (default 3), after --warmup S (default 1)
 *   --window N           messages the sender may be ahead of the slowest receiver (default 64)
 *   --rounds N           measurements of every system per receiver count, the systems' order
 *                        flipping each round; medians reported (default 1)
 *   --loadgens K         receiver processes (default: cores - 1, at least 1; so 1 on two cores,
 *                        where a second would only share the load generators' one core)
 *   --no-pin             do not pin; by default (taskset, two cores or more) the server runs on
 *                        core 0 and the receiver processes and this process on the other cores
 *   --nice=N             run server and receivers at nice N, each in its own session (needs root
 *                        for N < 0; as `npm run bench` does against other sessions' load)
 *   --quiet-wait MS      before each measurement, wait up to MS for the machine to go quiet (5000)
 *   --max-other PERCENT  a measurement is "quiet" when other work took at most this much of one
 *                        core during it (default 25)
 *   --systems a,b        hub-irc, ngircd, inspircd (default all three)
 *   --out DIR            where the report goes (default bench/results)
 *   --profile DIR        the hub's process writes a CPU profile there (`node --cpu-prof`)
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FANOUT_OPTIONS, fanoutRun } from './fanout/fanout-options.js';
import { hubSource } from './fanout/hub-source.js';
import { IrcBenchClient, ircLines } from './fanout/irc-client.js';
import type { FanoutSender, FanoutSystem } from './fanout/measure-fanout.js';
import { runFanoutBenchmark } from './fanout/run-fanout.js';
import { findBinary, ROOT } from './systems.js';

const { values } = parseArgs({ options: { ...FANOUT_OPTIONS, profile: { type: 'string' } } });
const run = fanoutRun(values);
/** `--profile DIR`: the hub's process writes a CPU profile there (`node --cpu-prof`). */
const profileDir = values.profile;

/** The IRC sender: PRIVMSG lines to #bench, a window's worth in one write. */
async function connectSender(port: number): Promise<FanoutSender> {
  const client = new IrcBenchClient(port, 'sender');
  await client.whenReady();
  return {
    send(from, to) {
      client.socket.write(ircLines(from, to));
    },
    close() {
      client.socket.destroy();
    },
  };
}

const systems: readonly FanoutSystem[] = [
  {
    id: 'hub-irc',
    label: 'broadcast-chat, IRC door',
    door: 'irc',
    connectSender,
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
    door: 'irc',
    connectSender,
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
    door: 'irc',
    connectSender,
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
          '<performance softlimit="12800" somaxconn="1024" clonesonconnect="no" quietbursts="yes" netbuffersize="65536">',
          '',
        ].join('\n'),
      );
      return { command: binary, args: ['--nofork', '--runasroot', `--config=${config}`], port, describe: 'inspircd' };
    },
  },
];

/** The version number `binary --version` prints first, or `absent`. */
function versionOf(name: string): string {
  const binary = findBinary(name);
  if (binary === null) return 'absent';
  try {
    const output = execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /\d+(?:\.\d+)+/.exec(output)?.[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

process.exitCode = await runFanoutBenchmark({
  name: 'irc-fanout',
  title: 'IRC fan-out: the hub\'s IRC door, ngircd, InspIRCd',
  command: `npx tsx bench/irc-fanout.ts ${process.argv.slice(2).join(' ')}`.trim(),
  run,
  systems,
  goal: { text: 'issue 19, the IRC door at least 1.5x the faster of ngircd and InspIRCd', hub: 'hub-irc', against: ['ngircd', 'inspircd'], factor: 1.5 },
  serverVersions: { ngircd: versionOf('ngircd'), InspIRCd: versionOf('inspircd') },
  hubSource: hubSource('irc'),
});
