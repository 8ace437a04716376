import { describe, expect, it } from 'vitest';
import { ChatClient, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function client(port: number): Promise<ChatClient> {
  const chat = track(new ChatClient({ host: '127.0.0.1', port }), (c) => c.close());
  await chat.connect();
  return chat;
}

/** A raw socket to the hub, destroyed after the test. */
async function raw(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

describe('BroadcastHub relay', () => {
  it('relays a message to every other client, not back to the sender', async () => {
    const { hub, port } = await startHub(track);
    const [a, b, c] = await Promise.all([raw(port), raw(port), raw(port)]);
    await eventually(() => hub.clients.size === 3, 2000, 'three clients');
    a.write('hello\n');
    expect(await b.lines(1)).toEqual(['hello']);
    expect(await c.lines(1)).toEqual(['hello']);
    c.write('back\n');
    expect((await a.lines(1))[0]).toBe('back');
    expect((await b.lines(2))[1]).toBe('back');
    expect(a.text).toBe('back\n');
  });

  it('echoes to the sender only when asked', async () => {
    const { hub, port } = await startHub(track, { echo: true });
    const a = await raw(port);
    await eventually(() => hub.clients.size === 1);
    a.write('me too\n');
    expect(await a.lines(1)).toEqual(['me too']);
  });

  it('emits connect, message and disconnect with a usable peer handle', async () => {
    const { hub, port } = await startHub(track, { relay: false });
    const connected = nextEvent<[Peer]>(hub, 'connect');
    const a = await raw(port);
    const [peer] = await connected;
    expect(peer.remoteAddress).toBe('127.0.0.1');
    expect(peer.remotePort).toBe(a.socket.localPort);
    expect(peer.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(peer.connectedAt.getTime()).toBeLessThanOrEqual(Date.now());
    const message = nextEvent<[string, Peer]>(hub, 'message');
    a.write('héllo\r\n');
    expect(await message).toEqual(['héllo', peer]);
    expect(peer.messagesIn).toBe(1);
    expect(peer.bytesIn).toBe(Buffer.byteLength('héllo\r\n'));
    expect(peer.send('just you')).toBe(true);
    expect(await a.lines(1)).toEqual(['just you']);
    expect(peer.messagesOut).toBe(1);
    expect(peer.bytesOut).toBe(9);
    const gone = nextEvent<[Peer, string]>(hub, 'disconnect');
    a.socket.end();
    expect(await gone).toEqual([peer, 'client-closed', undefined]);
    expect(hub.clients.size).toBe(0);
  });

  it('keeps typed application data on each peer', async () => {
    const { hub, port } = await startHub<string, { nick: string }>(track);
    hub.on('connect', (peer) => {
      peer.data.nick = `guest${hub.clients.size}`;
    });
    const names: string[] = [];
    hub.on('message', (_message, peer) => names.push(peer.data.nick));
    const a = await raw(port);
    a.write('hi\n');
    await eventually(() => names.length === 1);
    expect(names).toEqual(['guest1']);
  });

  it('delivers every message of 20 concurrent senders to every other client, each in order', async () => {
    const senders = 20;
    const perSender = 500;
    const { hub, port } = await startHub(track);
    const clients = await Promise.all(Array.from({ length: senders }, () => client(port)));
    await eventually(() => hub.clients.size === senders, 2000, 'every client registered');
    const received = clients.map(() => new Map<number, number[]>());
    const expected = (senders - 1) * perSender;
    let total = 0;
    clients.forEach((chat, index) => {
      chat.on('message', (text) => {
        const [from, seq] = text.split(':').map(Number) as [number, number];
        const list = received[index]?.get(from) ?? [];
        list.push(seq);
        received[index]?.set(from, list);
        total += 1;
      });
    });
    clients.forEach((chat, from) => {
      for (let seq = 0; seq < perSender; seq += 1) chat.send(`${from}:${seq}`);
    });
    await eventually(() => total >= senders * expected, 15_000, `every delivery (have ${total})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(total).toBe(senders * expected);
    const inOrder = Array.from({ length: perSender }, (_, seq) => seq);
    received.forEach((bySender, index) => {
      expect(bySender.has(index)).toBe(false);
      expect(bySender.size).toBe(senders - 1);
      for (const sequence of bySender.values()) expect(sequence).toEqual(inOrder);
    });
  });

  it('sends the host application broadcasts to everyone, or everyone but one', async () => {
    const { hub, port } = await startHub(track);
    const a = await raw(port);
    const b = await raw(port);
    await eventually(() => hub.clients.size === 2);
    expect(hub.broadcast('from the host')).toBe(2);
    const [first] = [...hub.clients];
    expect(hub.broadcast('not you', { except: first })).toBe(1);
    expect(await a.lines(1)).toEqual(['from the host']);
    expect(await b.lines(2)).toEqual(['from the host', 'not you']);
  });
});
