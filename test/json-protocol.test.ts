import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage, DirectMessage, ErrorEnvelope, JoinEnvelope, NickEnvelope, SystemEnvelope } from '../src/index.js';
import { before, closeAll, hubOn, jsonClient, lineMatching, namedPeer, rawPeer, settle } from './helpers/chat.js';
import { eventually, nextEvent } from './helpers/sockets.js';

afterEach(closeAll);

describe('the json framing', () => {
  it('welcomes a JSON client with its name and relays structured messages', async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    expect(hub.isChat).toBe(true);
    const alice = await jsonClient(port, { nick: 'alice' });
    const bob = await jsonClient(port, { nick: 'bob' });
    expect(alice.nick).toBe('alice');
    expect(alice.room).toBe('lobby');
    const received = nextEvent<[ChatMessage]>(bob, 'message');
    alice.send('hello bob');
    const [message] = await received;
    expect(message).toMatchObject({ sender: 'alice', room: 'lobby', text: 'hello bob', action: false });
    expect(message.id).toMatch(/^[0-9a-f]{8}-\w+$/);
    expect(message.time.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('runs join, leave, nick and direct envelopes through the same commands as their slash forms', async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    const bob = await jsonClient(port, { nick: 'bob' });
    const seen: string[] = [];
    hub.on('message', (text, peer) => seen.push(`${peer.nick}:${text}`));

    const joined = nextEvent<[JoinEnvelope]>(alice, 'join');
    alice.join('dev');
    expect((await joined)[0]).toMatchObject({ nick: 'alice', room: 'dev' });
    expect(alice.room).toBe('dev');
    expect([...alice.rooms]).toEqual(['lobby', 'dev']);

    const renamed = nextEvent<[NickEnvelope]>(bob, 'nick');
    alice.rename('alicia');
    expect((await renamed)[0]).toMatchObject({ from: 'alice', nick: 'alicia' });
    await eventually(() => alice.nick === 'alicia', 2000, 'alice to learn her new name');

    const direct = nextEvent<[DirectMessage]>(bob, 'direct');
    alice.sendTo('bob', 'just you');
    expect((await direct)[0]).toMatchObject({ sender: 'alicia', to: 'bob', text: 'just you' });

    const left = nextEvent<[JoinEnvelope]>(alice, 'leave');
    alice.leave('dev');
    expect((await left)[0]).toMatchObject({ nick: 'alicia', room: 'dev' });
    expect(alice.room).toBe('lobby');
    expect(seen).toEqual(['alice:/join dev', 'alice:/nick alicia', 'alicia:/msg bob just you', 'alicia:/leave dev']);
  });

  it('answers commands with system envelopes that list names', async () => {
    const { port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    await jsonClient(port, { nick: 'bob' });
    const answer = nextEvent<[SystemEnvelope]>(alice, 'system');
    alice.command('/who');
    expect((await answer)[0]).toMatchObject({ text: 'in lobby: alice, bob', names: ['alice', 'bob'] });
  });

  it('refuses a taken nickname at connect', async () => {
    const { port } = await hubOn({ framing: 'json' });
    await jsonClient(port, { nick: 'alice' });
    await expect(jsonClient(port, { nick: 'Alice' })).rejects.toMatchObject({ code: 'ERR_NAME_TAKEN' });
  });

  it('refuses a message to a room the sender is not in', async () => {
    const { port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    const refused = nextEvent<[ErrorEnvelope]>(alice, 'refused');
    alice.send('hi', 'elsewhere');
    expect((await refused)[0]).toMatchObject({ code: 'ERR_NOT_IN_ROOM' });
  });
});

describe('plain-text and JSON clients in one chat', () => {
  it('share messages, rooms, direct messages and notices', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const carol = await namedPeer(hub, port, 'carol');
    const alice = await jsonClient(port, { nick: 'alice' });
    expect(await lineMatching(carol, 'alice')).toMatch(/joined lobby|known as alice/);

    const fromCarol = nextEvent<[ChatMessage]>(alice, 'message');
    carol.write('hi from nc\n');
    expect((await fromCarol)[0]).toMatchObject({ sender: 'carol', room: 'lobby', text: 'hi from nc' });

    alice.send('hi from json');
    expect(await lineMatching(carol, 'hi from json')).toBe('alice: hi from json');

    alice.sendTo('carol', 'secret');
    expect(await lineMatching(carol, 'secret')).toBe('[dm] alice: secret');

    const dm = nextEvent<[DirectMessage]>(alice, 'direct');
    carol.write('/msg alice back at you\n');
    expect((await dm)[0]).toMatchObject({ sender: 'carol', to: 'alice', text: 'back at you' });

    const action = nextEvent<[ChatMessage]>(alice, 'message');
    carol.write('/me waves\n');
    expect((await action)[0]).toMatchObject({ sender: 'carol', text: 'waves', action: true });

    const aliceJoined = nextEvent<[JoinEnvelope]>(alice, 'join');
    alice.join('dev');
    await aliceJoined;
    // The relay runs right after the message event, so once it fires the message is out.
    const said = nextEvent<[string]>(hub, 'message');
    alice.send('in dev');
    expect((await said)[0]).toBe('in dev');
    const carolJoined = nextEvent<[JoinEnvelope]>(alice, 'join');
    carol.write('/join dev\n');
    expect((await carolJoined)[0]).toMatchObject({ nick: 'carol', room: 'dev' });
    alice.send('now you hear me');
    expect(await lineMatching(carol, 'now you hear me')).toBe('[dev] alice: now you hear me');
    await settle([carol], hub);
    expect(before(carol).some((line) => line.includes('in dev'))).toBe(false);
  });

  it('keeps a JSON message with newlines on one line for text peers', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const carol = await namedPeer(hub, port, 'carol');
    const alice = await jsonClient(port, { nick: 'alice' });
    alice.send('line one\ncarol: forged\r\nend');
    expect(await lineMatching(carol, 'line one')).toBe('alice: line one carol: forged  end');
    await settle([carol], hub);
    expect(before(carol).filter((line) => line.startsWith('carol:'))).toEqual([]);
  });

  it('does not greet a mixed-framing peer before it has spoken', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const quiet = await rawPeer(hub, port);
    await jsonClient(port, { nick: 'alice' });
    await settle([quiet], hub);
    // It heard only the host's marker: no welcome, no join notice in a framing it may not speak.
    expect(before(quiet)).toEqual([]);
  });
});
