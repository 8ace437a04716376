import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, freePort, killAll, ROOT, Spawned } from './fixtures/spawned.js';
import { missingBrokerTest, reachable, removeNatsBucket, sharedBrokerUrl, testPrefix, type BrokerKind } from './helpers/cluster.js';
import { closeSockets, exitServe, namedClient, startServe, lineClient } from './helpers/serve-cli.js';

// Several `broadcast-chat serve` processes as one chat through the machine's Redis and NATS
// (REDIS_URL and NATS_URL name others), each test on a prefix of its own.
const natsPrefixes: string[] = [];

beforeAll(assertCliBuilt);
afterEach(async () => {
  closeSockets();
  await killAll();
});
afterAll(async () => {
  if (natsPrefixes.length > 0 && (await reachable(sharedBrokerUrl('nats')))) {
    for (const prefix of natsPrefixes) await removeNatsBucket(sharedBrokerUrl('nats'), prefix);
  }
});

async function missing(kind: BrokerKind): Promise<string | undefined> {
  const url = sharedBrokerUrl(kind);
  return (await reachable(url)) ? undefined : `no ${kind} server reachable at ${url} (set ${kind === 'redis' ? 'REDIS_URL' : 'NATS_URL'})`;
}

/** Two chat servers on one broker and prefix, each once it has joined the others. */
async function twoServers(kind: BrokerKind, extra: string[] = ['--chat']) {
  const prefix = testPrefix();
  if (kind === 'nats') natsPrefixes.push(prefix);
  const args = [...extra, `--${kind}`, sharedBrokerUrl(kind), '--prefix', prefix];
  const a = await startServe('server A', [...args, '--hub-id', 'server-a']);
  const b = await startServe('server B', [...args, '--hub-id', 'server-b']);
  await a.server.waitFor(`Cluster: connected to ${kind}; chat '${prefix}' is shared`);
  await b.server.waitFor(`Cluster: connected to ${kind}`);
  return { a, b, prefix };
}

const redisMissing = await missing('redis');
const natsMissing = await missing('nats');

describe('serve --redis', () => {
  if (redisMissing !== undefined) {
    missingBrokerTest(redisMissing);
    return;
  }

  it('makes two serve processes one chat: messages, direct messages, presence and the operators', async () => {
    const { a, b, prefix } = await twoServers('redis');
    expect(a.server.printed.stdout).toContain(`Joining chat '${prefix}' on redis ${sharedBrokerUrl('redis')} as hub server-a...`);
    const alice = await namedClient(a.port, 'alice');
    const bob = await namedClient(b.port, 'bob');
    // Each sees the other once presence has crossed.
    await eventuallyLine(bob, '/who', '* in lobby: alice, bob\n');
    await eventuallyLine(alice, '/who', '* in lobby: alice, bob\n');

    alice.send('hi from server A');
    await bob.waitFor('alice: hi from server A\n');
    bob.send('/msg alice psst');
    await alice.waitFor('[dm] bob: psst\n');
    b.server.type('hello from the operator of B\n');
    await alice.waitFor('host: hello from the operator of B\n');
    await bob.waitFor('host: hello from the operator of B\n');

    a.server.type('/who\n');
    await a.server.waitFor('1 client here, 1 on the other servers:\n');
    await a.server.waitFor(/^ {2}bob {4}\(hub server-b\) +lobby\n/m);
    // Operators are made on their own server; moderation reaches a client of the other one
    // through the hub, and that server acts, and logs it.
    a.server.type('/op bob\n');
    await a.server.waitFor('bob is on another server (hub server-b): use its console\n');
    a.server.type('/mute bob 10m\n');
    await a.server.waitFor('bob is on another server (hub server-b): asked it to mute\n');
    await bob.waitFor('* you are muted by host for 10m: your messages are not relayed\n');
    await b.server.waitFor(/^Muted bob \(127\.0\.0\.1:\d+\) by host/m);
    a.server.type('/unmute bob\n');
    await a.server.waitFor('bob is on another server (hub server-b): asked it to unmute\n');
    await bob.waitFor('* you are no longer muted\n');
    a.server.type('/kick bob enough\n');
    await a.server.waitFor('bob is on another server (hub server-b): asked it to kick\n');
    await bob.waitFor('* disconnected: kicked (kicked from lobby by host: enough)\n');
    await b.server.waitFor(/^Kicked bob \(127\.0\.0\.1:\d+\) from lobby by host: enough\n/m);
    await alice.waitFor('* bob was kicked from lobby by host (enough)\n');

    // One server stopping leaves the other serving, and its clients hear who left.
    const carol = await namedClient(b.port, 'carol');
    await eventuallyLine(carol, '/who', '* in lobby: alice, carol\n');
    expect(await exitServe(a.server)).toBe(0);
    await carol.waitFor('* alice left lobby');
    carol.send('/who');
    await carol.waitFor('* in lobby: carol\n');
    expect(await exitServe(b.server)).toBe(0);
  }, 30_000);

  it('says in one line that the broker cannot be reached, and goes on serving its own clients', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const { server, port } = await startServe('no broker', ['--chat', '--redis', url, '--prefix', testPrefix()]);
    await server.waitFor(`Cluster: cannot reach redis at ${url}: `);
    // Guests: taking a name needs the broker, which is down (the library refuses it, saying so).
    const alice = await lineClient(port);
    const bob = await lineClient(port);
    alice.send('/nick alice');
    await alice.waitFor("! redis: cannot check nickname 'alice' with the other hubs: the broker is unreachable\n");
    bob.send('/who');
    await bob.waitFor('* in lobby: ');
    alice.send('still here');
    await bob.waitFor(': still here\n');
    await server.waitFor(/guest-\w+-1: still here\n/);
    // ioredis retried meanwhile; the outage is told once.
    expect(server.printed.stdout.split('\n').filter((line) => line.startsWith('Cluster:'))).toHaveLength(1);
    expect(await exitServe(server)).toBe(0);
    expect(server.printed.stderr).toBe('');
  });
});

describe('serve --nats', () => {
  if (natsMissing !== undefined) {
    missingBrokerTest(natsMissing);
    return;
  }

  it('makes two serve processes one chat, in chat mode and verbatim', async () => {
    const chat = await twoServers('nats');
    const alice = await namedClient(chat.a.port, 'alice');
    const bob = await namedClient(chat.b.port, 'bob');
    await eventuallyLine(bob, '/who', '* in lobby: alice, bob\n');
    alice.send('hi over nats');
    await bob.waitFor('alice: hi over nats\n');
    // Nicknames are one namespace across the servers.
    bob.send('/nick alice');
    await bob.waitFor('! ');
    expect(await exitServe(chat.a.server)).toBe(0);
    expect(await exitServe(chat.b.server)).toBe(0);

    const plain = await twoServers('nats', ['--framing', 'line']);
    const one = await lineClient(plain.a.port);
    const two = await lineClient(plain.b.port);
    await plain.a.server.waitFor('New connection');
    await plain.b.server.waitFor('New connection');
    one.send('verbatim across servers');
    await two.waitFor('verbatim across servers\n');
    expect(await exitServe(plain.a.server)).toBe(0);
    expect(await exitServe(plain.b.server)).toBe(0);
  }, 30_000);
});

describe('serve without the optional broker packages', () => {
  let copy = '';
  beforeAll(() => {
    // The built package without node_modules, as installed without ioredis and nats.
    copy = mkdtempSync(join(tmpdir(), 'broadcast-chat-no-peers-'));
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  });
  afterAll(() => {
    if (copy !== '') rmSync(copy, { recursive: true, force: true });
  });

  it.each([
    ['redis', 'redis://127.0.0.1:6379', 'ioredis'],
    ['nats', '127.0.0.1:4222', 'nats'],
  ])('--%s says in one line which package to install, and exits 1', async (kind, url, pkg) => {
    expect(existsSync(join(tmpdir(), 'node_modules', pkg))).toBe(false);
    const program = new Spawned(`serve --${kind}`, process.execPath, [join(copy, 'dist', 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', '0', `--${kind}`, url]);
    expect(await program.waitExit()).toEqual({ code: 1, signal: null });
    expect(program.printed.stderr).toBe(`Could not start server: --${kind} needs the ${pkg} package, which is not installed: npm install ${pkg}\n`);
    expect(program.printed.stdout).toBe('');
  });

  it('serves without them when no broker is asked for', async () => {
    const program = new Spawned('serve', process.execPath, [join(copy, 'dist', 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--chat']);
    await program.waitFor(/Server started on 127\.0\.0\.1:\d+/);
    program.type('exit\n');
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
  });
});

/** Sends `line` until the answer contains `expected` (presence crosses the broker in its own time), at most 50 times. */
async function eventuallyLine(client: Awaited<ReturnType<typeof lineClient>>, line: string, expected: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const before = client.received.length;
    client.send(line);
    await client.waitFor(line === '/who' ? '* in lobby: ' : '\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (client.received.slice(before).includes(expected)) return;
  }
  throw new Error(`never got ${JSON.stringify(expected)}; got ${JSON.stringify(client.received)}`);
}
