import { JsonChatClient, type BroadcastHub, type ChatMessage, type HubOptions, type JsonChatClientOptions } from '../../src/index.js';
import { Closer } from './cleanup.js';
import { startHub } from './hub.js';
import { eventually, RawPeer } from './sockets.js';

/** Everything the helpers below open, closed by `closeAll()`, newest first. */
const opened = new Closer();

/** Adds something of the test's own to what `closeAll()` closes. */
export const open = {
  push(...things: { close(): Promise<void> }[]): void {
    for (const thing of things) opened.track(thing, (t) => t.close());
  },
};

/** Closes everything the test opened. Use in `afterEach`. */
export function closeAll(): Promise<void> {
  return opened.closeAll();
}

/** Starts a hub on 127.0.0.1 with a free port, closed by `closeAll()`. */
export function hubOn(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  return startHub(opened.track, options);
}

/** Connects a raw socket and waits until the hub has registered it (and greeted it, if `greeting` is given). */
export async function rawPeer(hub: BroadcastHub, port: number, greeting?: string): Promise<RawPeer> {
  const before = hub.clients.size;
  const peer = opened.track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  await eventually(() => hub.clients.size > before, 2000, 'the hub to register the peer');
  if (greeting !== undefined) await lineMatching(peer, greeting);
  return peer;
}

/** A line-mode peer that has set its nickname (and seen it confirmed). */
export async function namedPeer(hub: BroadcastHub, port: number, nick: string): Promise<RawPeer> {
  const peer = await rawPeer(hub, port);
  peer.write(`/nick ${nick}\n`);
  await lineMatching(peer, `is now known as ${nick}`);
  return peer;
}

/** A JSON client, connected and welcomed. */
export async function jsonClient(port: number, options: JsonChatClientOptions = {}): Promise<JsonChatClient> {
  const client = opened.track(new JsonChatClient({ host: '127.0.0.1', port, ...options }), (c) => c.close());
  await client.connect();
  return client;
}

/** The complete lines a peer has received. */
export function linesOf(peer: RawPeer): string[] {
  const lines = peer.text.split('\n');
  lines.pop();
  return lines;
}

/** Waits for a received line containing `text` (or matching it) and returns it. */
export async function lineMatching(peer: RawPeer, text: string | RegExp, ms = 3000): Promise<string> {
  const test = (line: string): boolean => (typeof text === 'string' ? line.includes(text) : text.test(line));
  await peer.until(() => linesOf(peer).some(test), ms);
  return linesOf(peer).find(test) ?? '';
}

/**
 * Proves a peer received nothing more: sends a marker through a path that reaches it
 * after anything sent before, then checks what arrived before the marker.
 */
export async function settle(peers: RawPeer[], hub: BroadcastHub): Promise<void> {
  const marker = `--marker-${Math.random().toString(36).slice(2)}--`;
  hub.broadcast(marker);
  await Promise.all(peers.map((peer) => lineMatching(peer, marker)));
}

/** The lines a peer received before the last `settle()` marker, markers removed. */
export function before(peer: RawPeer): string[] {
  return linesOf(peer).filter((line) => !line.startsWith('--marker-'));
}

/** Has `speaker` say each of `texts` in its room and waits until `listener` heard the last. */
export async function say(speaker: JsonChatClient, listener: JsonChatClient, texts: string[]): Promise<void> {
  const last = texts.at(-1);
  const heard = new Promise<void>((resolve) => {
    const onMessage = (message: ChatMessage): void => {
      if (message.text !== last) return;
      listener.off('message', onMessage);
      resolve();
    };
    listener.on('message', onMessage);
  });
  for (const text of texts) speaker.send(text);
  await heard;
}
