import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { jsonCodec, type AdmissionRefusal } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, openSocket } from './helpers/sockets.js';

const track = closeAfterEach();

/** A server of the application's own that hands every connection to `onSocket`. */
async function ownServer(onSocket: (socket: Socket) => void): Promise<number> {
  const server = track(createServer(onSocket), (s) => new Promise((resolve) => s.close(resolve)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function collect(socket: Socket): () => string {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text;
}

describe('hub.accept()', () => {
  it('puts a connection of another protocol in the same chat as the hub’s own', async () => {
    const { hub, port } = await startHub(track, { framing: 'line', chat: true });
    const jsonPort = await ownServer((socket) => hub.accept(socket, { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort, protocol: jsonCodec }));
    const text = track(await openSocket(port), (s) => s.destroy());
    const json = track(await openSocket(jsonPort), (s) => s.destroy());
    const textHeard = collect(text);
    const jsonHeard = collect(json);
    await eventually(() => hub.clients.size === 2, 5000, 'both clients');
    expect([...hub.clients].map((peer) => peer.framing).sort()).toEqual(['json', 'line']);
    json.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'ada' })}\n`);
    await eventually(() => hub.findPeer('ada') !== undefined, 5000, 'ada');
    json.write(`${JSON.stringify({ v: 1, type: 'message', text: 'hi from json' })}\n`);
    await eventually(() => textHeard().includes('ada: hi from json\n'), 5000, 'the text client to hear ada');
    text.write('hi from text\n');
    await eventually(() => jsonHeard().includes('"text":"hi from text"'), 5000, 'the JSON client to hear the text client');
  });

  it('applies the connection caps to what it is given, and says why in the given protocol', async () => {
    const refused: AdmissionRefusal[] = [];
    const { hub } = await startHub(track, { framing: 'line', chat: true, maxClientsPerAddress: 1 });
    hub.on('refused', (_address, reason) => refused.push(reason));
    const jsonPort = await ownServer((socket) => hub.accept(socket, { remoteAddress: '127.0.0.1', protocol: jsonCodec }));
    const first = track(await openSocket(jsonPort), (s) => s.destroy());
    await eventually(() => hub.clients.size === 1, 5000, 'the first client');
    const second = track(await openSocket(jsonPort), (s) => s.destroy());
    const heard = collect(second);
    await eventually(() => refused.length === 1, 5000, 'the refusal');
    expect(refused).toEqual(['too-many-from-address']);
    await eventually(() => heard().includes('"type":"bye"'), 5000, 'a bye envelope');
    expect(JSON.parse(heard().trim())).toMatchObject({ type: 'bye', reason: 'too-many-from-address' });
    expect(first.destroyed).toBe(false);
  });

  it('turns a connection away once the hub is closing', async () => {
    const { hub } = await startHub(track, { framing: 'line' });
    let accepted: unknown = 'not yet';
    const ownPort = await ownServer((socket) => {
      accepted = hub.accept(socket, { remoteAddress: '127.0.0.1' });
    });
    await hub.close();
    const socket = track(await openSocket(ownPort), (s) => s.destroy());
    await eventually(() => accepted !== 'not yet', 5000, 'the accept');
    expect(accepted).toBeUndefined();
    await eventually(() => socket.destroyed || socket.readableEnded, 5000, 'the socket to close');
  });
});
