/**
 * WebSocket fan-out, the hub behind its WebSocket door (bench/servers/hub-ws-server.ts) beside a
 * plain `ws` broadcast server (bench/servers/ws-relay.ts, the `ws` README's broadcast example),
 * in the same run: one sender, N receivers, 64 B messages, as fast as the slowest receiver keeps
 * up (issue 18's goal: the hub at least the plain `ws` server's rate).
 *
 *   npx tsx bench/websocket-fanout.ts [--receivers 100,1000] [--seconds 3] [--rounds 1] [--loadgens K]
 *
 * Each server runs in a process of its own. The load generator is the same for both, so what
 * differs is the server: K receiver processes (bench/fanout/receiver-process.ts) share the
 * receivers (`ws` clients, no compression), each checking that it gets every message in order;
 * each process reports over IPC, once per event-loop turn, how far all its receivers have got.
 * The sender, in this process, keeps at most `window` messages ahead of the slowest receiver of
 * all. The hub's frames are its JSON chat messages (`{"v":1,"type":"message","text":...}`), the
 * plain server's the bare payload.
 *
 * Reported per system and receiver count (median of the rounds): messages/s the sender got
 * through, deliveries/s (messages x receivers), the server process's CPU over exactly the
 * measured interval (/proc/<pid>/stat, user + system, children excluded) and deliveries per
 * server CPU-second, the load generators' and the rest of the machine's CPU, and whether the
 * machine was quiet. Where the load generators are at their limit the rate shows them, not the
 * server: compare deliveries per server CPU-second there. Writes
 * bench/results/websocket-fanout-<time>.{md,json} and latest-websocket-fanout.{md,json}.
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
 *   --systems a,b        hub-ws, ws (default both)
 *   --out DIR            where the report goes (default bench/results)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FANOUT_OPTIONS, fanoutRun } from './fanout/fanout-options.js';
import { hubSource } from './fanout/hub-source.js';
import type { FanoutSender, FanoutSystem } from './fanout/measure-fanout.js';
import { runFanoutBenchmark } from './fanout/run-fanout.js';
import { openWebSocket, WS_DIALECTS, wsPayload, type WsDialectName } from './fanout/ws-dialects.js';
import { ROOT } from './systems.js';

const { values } = parseArgs({ options: FANOUT_OPTIONS });
const run = fanoutRun(values);

/** A system: a server script under bench/servers/ and the dialect its clients speak. */
function webSocketSystem(id: WsDialectName, label: string, script: string): FanoutSystem {
  const dialect = WS_DIALECTS[id];
  return {
    id,
    label,
    door: id,
    launch: () => ({ command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'bench', 'servers', script), '--port', '0'], port: 'announce', describe: script }),
    async connectSender(port): Promise<FanoutSender> {
      const socket = await openWebSocket(`ws://127.0.0.1:${port}/`);
      return {
        send(from, to) {
          for (let seq = from; seq < to; seq += 1) socket.send(dialect.frame(wsPayload(seq)));
        },
        close() {
          socket.terminate();
        },
      };
    },
  };
}

const systems: readonly FanoutSystem[] = [webSocketSystem('hub-ws', 'broadcast-chat, WebSocket door', 'hub-ws-server.ts'), webSocketSystem('ws', 'ws broadcast server', 'ws-relay.ts')];

process.exitCode = await runFanoutBenchmark({
  name: 'websocket-fanout',
  title: 'WebSocket fan-out: the hub\'s WebSocket door and a plain `ws` broadcast server',
  command: `npx tsx bench/websocket-fanout.ts ${process.argv.slice(2).join(' ')}`.trim(),
  run,
  systems,
  goal: { text: 'issue 18, the WebSocket door at least the plain `ws` server', hub: 'hub-ws', against: ['ws'], factor: 1 },
  serverVersions: {},
  hubSource: hubSource('websocket'),
});
