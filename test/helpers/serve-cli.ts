/**
 * `broadcast-chat serve` as the tests of its flags, chat mode, log and cluster run it: the
 * built CLI in a child process on 127.0.0.1 with a free port, and line clients (as nc would
 * be) that wait for what they are sent.
 */
import { cli, portOf, type Spawned } from '../fixtures/spawned.js';
import { LineSocket } from '../fixtures/line-socket.js';

/** A running `serve` and the port it reported. */
export interface ServeProcess {
  readonly server: Spawned;
  readonly port: number;
}

/** Starts `broadcast-chat serve --host 127.0.0.1 --port 0 ...args` and waits until it has said where it listens. */
export async function startServe(name: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const server = cli(name, ['serve', '--host', '127.0.0.1', '--port', '0', ...args], env);
  if (args.includes('json') && args[args.indexOf('json') - 1] === '--log') {
    const match = await server.waitFor(/"event":"listening".*"port":(\d+)/);
    return { server, port: Number(match[1]) };
  }
  const port = await portOf(server);
  await server.waitFor("'exit' stops the server.\n");
  return { server, port };
}

/** A running `serve --web` and where its chat page is. */
export interface WebServeProcess extends ServeProcess {
  /** The chat page's port, as the log reported it. */
  readonly webPort: number;
  /** The page's address, `http://127.0.0.1:<webPort>/`. */
  readonly pageUrl: string;
}

/**
 * Starts `broadcast-chat serve --host 127.0.0.1 --port 0 --web 0 --web-host 127.0.0.1 ...args`
 * and waits until it has said where the hub and the chat page listen.
 */
export async function startWebServe(name: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): Promise<WebServeProcess> {
  const started = await startServe(name, ['--web', '0', '--web-host', '127.0.0.1', ...args], env);
  const json = args.includes('json') && args[args.indexOf('json') - 1] === '--log';
  const match = json
    ? /"event":"web-listening".*"url":"(http:\/\/127\.0\.0\.1:(\d+)\/)"/.exec(started.server.printed.stdout) ?? (await started.server.waitFor(/"event":"web-listening".*"url":"(http:\/\/127\.0\.0\.1:(\d+)\/)"/))
    : /^Chat page at (http:\/\/127\.0\.0\.1:(\d+)\/)$/m.exec(started.server.printed.stdout);
  if (match === null) throw new Error(`${name} did not say where its chat page is\n${started.server.transcript()}`);
  return { ...started, webPort: Number(match[2]), pageUrl: match[1] ?? '' };
}

const sockets = new Set<LineSocket>();

/** A line client (what nc is), closed by `closeSockets()`. */
export async function lineClient(port: number): Promise<LineSocket> {
  const socket = await LineSocket.open(port);
  sockets.add(socket);
  return socket;
}

/** A line client that has taken `nick` in a chat-mode server, and been told so. */
export async function namedClient(port: number, nick: string): Promise<LineSocket> {
  const socket = await lineClient(port);
  socket.send(`/nick ${nick}`);
  await socket.waitFor(`is now known as ${nick}\n`);
  return socket;
}

/** Closes every line client a test opened; for `afterEach`. */
export function closeSockets(): void {
  for (const socket of sockets) socket.close();
  sockets.clear();
}

/** Types `exit` at the server's console and waits for it to finish, returning its exit code. */
export async function exitServe(server: Spawned): Promise<number | null> {
  server.type('exit\n');
  return (await server.waitExit()).code;
}
