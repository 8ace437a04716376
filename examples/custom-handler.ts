/**
 * A hub with a custom message handler: instead of relaying messages as they are, it knows a
 * few commands and names the sender of every message.
 *
 *   npx tsx examples/custom-handler.ts        (HOST and PORT change where it listens)
 *   nc 127.0.0.1 8000                         then type /nick ada, /who, or anything else
 */
import { BroadcastHub, type Peer } from '../src/index.js';

/** What the hub remembers about each client, in `peer.data`. */
interface Profile {
  nick?: string;
}

// relay: false hands each message to our handler and sends nothing on its own.
const hub = new BroadcastHub<string, Profile>({ framing: 'auto', relay: false });
const nameOf = (peer: Peer<Profile>): string => peer.data.nick ?? `guest-${peer.remotePort}`;

hub.on('message', (text, peer) => {
  const [command, ...args] = text.trim().split(/\s+/);
  if (command === '/nick' && args.length === 1 && args[0] !== undefined) {
    const before = nameOf(peer);
    peer.data.nick = args[0];
    hub.broadcast(`* ${before} is now ${args[0]}`);
  } else if (command === '/who') {
    peer.send(`* here: ${Array.from(hub.clients, nameOf).join(', ')}`);
  } else if (command?.startsWith('/') === true) {
    peer.send('* commands: /nick NAME, /who');
  } else {
    hub.broadcast(`<${nameOf(peer)}> ${text}`, { except: peer });
  }
});
hub.on('connect', (peer) => {
  console.log(`${nameOf(peer)} joined`);
});
hub.on('disconnect', (peer, reason) => {
  console.log(`${nameOf(peer)} left (${reason})`);
});
// Per-client trouble and the hub's own: an unhandled 'error' event would end the process.
hub.on('clientError', (error, peer) => {
  console.error(`${nameOf(peer)}: ${error.message}`);
});
hub.on('error', (error) => {
  console.error(`hub error: ${error.message}`);
});

const address = await hub.listen({ host: process.env.HOST ?? '0.0.0.0', port: Number(process.env.PORT ?? 8000) });
console.log(`Custom chat on ${address.address}:${address.port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void hub.close().then(() => {
      console.log('Closed.');
    });
  });
}
