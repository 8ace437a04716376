/**
 * Real IRC clients that no one here wrote, in one chat with an nc-style user and a
 * JsonChatClient: a script on irc-framework (the library behind Kiwi IRC), and irssi and
 * WeeChat driven under tmux as a person would drive them. The terminal clients are skipped,
 * with the reason, where they are not installed.
 */
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IRC, { type IrcFrameworkMessage } from 'irc-framework';
import { describe, expect, it } from 'vitest';
import { hashOperatorPassword, JsonChatClient, type ChatMessage, type Peer } from '../src/index.js';
import { startIrcHub } from './fixtures/irc-setup.js';
import { TmuxProgram } from './fixtures/irc-tmux.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { needs } from './helpers/tools.js';

const track = closeAfterEach();

/** The client called `nick`; fails the test when there is none. */
function peerOf(hub: { findPeer(nick: string): Peer | undefined }, nick: string): Peer {
  const peer = hub.findPeer(nick);
  if (peer === undefined) throw new Error(`nobody is called ${nick}`);
  return peer;
}

/** A temporary directory, removed by the cleanup. */
function tempDir(prefix: string): string {
  return track(mkdtempSync(join(tmpdir(), prefix)), (dir) => {
    // A client killed with its tmux server may still be writing its files for a moment.
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });
}

/** The nc-style user, the JSON client, and what the JSON client hears. */
async function others(start: Awaited<ReturnType<typeof startIrcHub>>): Promise<{ heard: ChatMessage[]; json: JsonChatClient; nc: Awaited<ReturnType<typeof start.nc>> }> {
  const nc = await start.nc('carol');
  const json = track(new JsonChatClient({ port: start.port, nick: 'dave', reconnect: false }), (c) => c.close());
  const heard: ChatMessage[] = [];
  json.on('message', (message) => heard.push(message));
  await json.connect();
  return { heard, json, nc };
}

describe('irc-framework', () => {
  it('registers, joins, talks with nc and JSON users, lists NAMES, changes nick and quits', async () => {
    const start = await startIrcHub(track);
    const { heard, json, nc } = await others(start);
    const client = track(new IRC.Client(), (c) => {
      if (c.connected) c.quit('cleanup');
    });
    const privmsgs: IrcFrameworkMessage[] = [];
    client.on('privmsg', (event: IrcFrameworkMessage) => privmsgs.push(event));
    client.on('action', (event: IrcFrameworkMessage) => privmsgs.push(event));
    const registered = nextEvent(client, 'registered', 10_000);
    client.connect({ host: '127.0.0.1', port: start.ircPort, nick: 'ada', username: 'ada', gecos: 'Ada Lovelace', auto_reconnect: false, enable_echomessage: true });
    await registered;
    expect(client.user.nick).toBe('ada');
    // What the library read from ISUPPORT.
    expect(client.network.options.CHANTYPES).toEqual(['#']);
    expect(client.network.options.NICKLEN).toBe('24');
    expect(client.network.options.CASEMAPPING).toBe('ascii');
    expect(client.network.cap.enabled.sort()).toEqual(['echo-message', 'server-time']);

    client.join('#dev');
    await nextEvent(client, 'join', 5000);
    json.join('dev');
    await eventually(() => json.rooms.has('dev'), 5000, 'dave in dev');

    nc.write('hello ada\n');
    await eventually(() => privmsgs.some((event) => event.nick === 'carol' && event.target === '#lobby' && event.message === 'hello ada'), 5000, 'ada to hear carol');
    expect(privmsgs.find((event) => event.nick === 'carol')?.time).toEqual(expect.any(Number));
    json.send('hello from json', 'dev');
    await eventually(() => privmsgs.some((event) => event.nick === 'dave' && event.target === '#dev'), 5000, 'ada to hear dave in #dev');

    client.say('#lobby', 'hello everyone');
    await nc.until(() => nc.text.includes('ada: hello everyone\n'));
    await eventually(() => heard.some((message) => message.sender === 'ada' && message.text === 'hello everyone'), 5000, 'dave to hear ada');
    // echo-message: the library sees its own message come back.
    await eventually(() => privmsgs.some((event) => event.nick === 'ada' && event.message === 'hello everyone'), 5000, 'the echo');
    client.action('#dev', 'waves');
    await eventually(() => heard.some((message) => message.sender === 'ada' && message.action && message.room === 'dev'), 5000, 'the action');

    const names = await new Promise<string[]>((resolve) => {
      client.channel('#lobby').updateUsers((channel) => {
        resolve(channel.users.map((user) => user.nick).sort());
      });
    });
    expect(names).toEqual(['ada', 'carol', 'dave']);

    const renamed = nextEvent<[{ nick: string; new_nick: string }]>(client, 'nick', 5000);
    client.changeNick('adaline');
    expect((await renamed)[0]).toMatchObject({ nick: 'ada', new_nick: 'adaline' });
    await nc.until(() => nc.text.includes('* ada is now known as adaline\n'));

    json.sendTo('adaline', 'psst');
    await eventually(() => privmsgs.some((event) => event.nick === 'dave' && event.target === 'adaline' && event.message === 'psst'), 5000, 'the direct message');

    const left = nextEvent<[{ nick: string; reason?: string }]>(json, 'leave', 5000);
    client.quit('off to compute');
    await nc.until(() => nc.text.includes('* adaline left lobby (off to compute)\n'));
    expect((await left)[0]).toMatchObject({ nick: 'adaline' });
    await eventually(() => start.hub.findPeer('adaline') === undefined, 5000, 'adaline gone');
  });
});

describe('irc-framework and moderation', () => {
  it('is kicked by an nc operator, sees the topic, and as an operator (OPER) kicks a JSON user and sets a topic', async () => {
    const start = await startIrcHub(track, { moderation: { operators: { root: await hashOperatorPassword('s3cret') } } });
    const { json, nc } = await others(start);
    start.hub.moderation.setOperator(peerOf(start.hub, 'carol'));
    const client = track(new IRC.Client(), (c) => {
      if (c.connected) c.quit('cleanup');
    });
    const registered = nextEvent(client, 'registered', 10_000);
    client.connect({ host: '127.0.0.1', port: start.ircPort, nick: 'ada', username: 'ada', gecos: 'Ada', auto_reconnect: false });
    await registered;
    client.join('#dev');
    await nextEvent(client, 'join', 5000);
    nc.write('/topic #dev the dev room\n');
    const [topic] = await nextEvent<[{ channel: string; topic: string; nick?: string }]>(client, 'topic', 5000);
    expect(topic).toMatchObject({ channel: '#dev', topic: 'the dev room', nick: 'carol' });

    const kicked = nextEvent<[{ kicked: string; nick: string; channel: string; message: string }]>(client, 'kick', 5000);
    nc.write('/kick #dev ada off topic\n');
    expect((await kicked)[0]).toMatchObject({ kicked: 'ada', nick: 'carol', channel: '#dev', message: 'off topic' });
    await eventually(() => start.hub.findPeer('ada')?.rooms.has('dev') === false, 5000, 'ada out of dev');

    // Now ada becomes an operator (381), shows as @ada, and kicks dave (a JSON client) from #dev.
    client.raw('OPER', 'root', 's3cret');
    await eventually(() => start.hub.findPeer('ada')?.operator === true, 5000, 'ada to be an operator');
    client.join('#dev');
    await nextEvent(client, 'join', 5000);
    const names = await new Promise<string[]>((resolve) => {
      client.channel('#dev').updateUsers((channel) => {
        resolve(channel.users.map((user) => ((user as { modes?: string[] }).modes?.includes('o') === true ? `@${user.nick}` : user.nick)).sort());
      });
    });
    expect(names).toContain('@ada');
    json.join('dev');
    await eventually(() => json.rooms.has('dev'), 5000, 'dave in dev');
    const left = nextEvent<[{ nick: string; kicked?: boolean; by?: string }]>(json, 'leave', 5000);
    const seen = nextEvent<[{ kicked: string; nick: string; channel: string; message: string }]>(client, 'kick', 5000);
    client.raw('KICK', '#dev', 'dave', 'bye dave');
    expect((await left)[0]).toMatchObject({ nick: 'dave', room: 'dev', kicked: true, by: 'ada', reason: 'bye dave' });
    expect((await seen)[0]).toMatchObject({ kicked: 'dave', nick: 'ada', channel: '#dev', message: 'bye dave' });
  });
});

needs('tmux', 'irssi').describe('irssi', () => {
  it('joins #lobby, exchanges messages with nc and JSON users, changes nick and quits', async () => {
    const start = await startIrcHub(track);
    const { heard, json, nc } = await others(start);
    const home = tempDir('broadcast-chat-irssi-');
    const irssi = track(new TmuxProgram(), (program) => program.close());
    irssi.start(['irssi', `--home=${home}`, '-c', '127.0.0.1', '-p', String(start.ircPort), '-n', 'irene']);
    await eventually(() => start.hub.findPeer('irene') !== undefined, 15_000, 'irssi to register');
    // The hub puts everyone in #lobby: irssi opens its window; /join switches to it.
    irssi.type('/join #lobby');
    await irssi.waitForScreen(/irene \[irene@host\] has joined #lobby/);
    irssi.type('hello from irssi');
    await nc.until(() => nc.text.includes('irene: hello from irssi\n'), 10_000);
    await eventually(() => heard.some((message) => message.sender === 'irene' && message.text === 'hello from irssi'), 5000, 'dave to hear irene');
    nc.write('hi irssi, from nc\n');
    await irssi.waitForScreen(/< ?carol> hi irssi, from nc/);
    json.send('hi irssi, from json');
    await irssi.waitForScreen(/< ?dave> hi irssi, from json/);
    // Kicked from #dev by an operator (the nc user): irssi shows it as any IRC server's kick.
    start.hub.moderation.setOperator(peerOf(start.hub, 'carol'));
    irssi.type('/join #dev');
    await irssi.waitForScreen(/irene \[irene@host\] has joined #dev/);
    nc.write('/kick #dev irene off topic\n');
    await irssi.waitForScreen(/irene was kicked from #dev by carol \[off topic\]/);
    await eventually(() => start.hub.findPeer('irene')?.rooms.has('dev') === false, 5000, 'irene out of dev');
    // Back to the #lobby window, where the nick change shows.
    irssi.type('/window close');
    irssi.type('/nick irene2');
    await nc.until(() => nc.text.includes('* irene is now known as irene2\n'), 10_000);
    await irssi.waitForScreen(/You're now known as irene2/);
    irssi.type('/quit see you');
    await nc.until(() => nc.text.includes('* irene2 left lobby (see you)\n'), 10_000);
  }, 60_000);
});

needs('tmux', 'weechat-headless').describe('WeeChat', () => {
  it('joins #lobby, exchanges messages with nc and JSON users, changes nick and quits', async () => {
    const start = await startIrcHub(track);
    const { heard, json, nc } = await others(start);
    const home = tempDir('broadcast-chat-weechat-');
    const fifo = join(home, 'fifo');
    const log = join(home, 'logs', 'irc.bc.#lobby.weechatlog');
    const weechat = track(new TmuxProgram(), (program) => program.close());
    // Headless WeeChat has no screen: it is told what to do through its FIFO, and what it shows goes to its logs.
    const setup = [
      '/set logger.file.flush_delay 0',
      `/set fifo.file.path ${fifo}`,
      '/set fifo.file.enabled on',
      `/server add bc 127.0.0.1/${start.ircPort} -notls`,
      '/set irc.server.bc.nicks wendy',
      '/connect bc',
    ].join(';');
    weechat.start(['weechat-headless', '--dir', home, '-r', setup]);
    const command = (line: string): void => {
      // Non-blocking: if WeeChat is gone, this fails rather than hanging the test.
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        writeSync(fd, `${line}\n`);
      } finally {
        closeSync(fd);
      }
    };
    const logged = (): string => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    await eventually(() => start.hub.findPeer('wendy') !== undefined && existsSync(fifo), 15_000, 'WeeChat to register');
    await eventually(() => logged().includes('wendy'), 15_000, 'the #lobby buffer');
    command('irc.bc.#lobby *hello from weechat');
    await nc.until(() => nc.text.includes('wendy: hello from weechat\n'), 10_000);
    await eventually(() => heard.some((message) => message.sender === 'wendy' && message.text === 'hello from weechat'), 5000, 'dave to hear wendy');
    nc.write('hi weechat, from nc\n');
    await eventually(() => logged().includes('carol\thi weechat, from nc'), 10_000, 'WeeChat to show carol');
    json.send('hi weechat, from json');
    await eventually(() => logged().includes('dave\thi weechat, from json'), 10_000, 'WeeChat to show dave');
    // Kicked from #dev by an operator (the nc user): WeeChat logs it as any IRC server's kick.
    start.hub.moderation.setOperator(peerOf(start.hub, 'carol'));
    command('irc.server.bc */join #dev');
    await eventually(() => start.hub.findPeer('wendy')?.rooms.has('dev') === true, 10_000, 'wendy in #dev');
    const devLog = join(home, 'logs', 'irc.bc.#dev.weechatlog');
    nc.write('/kick #dev wendy off topic\n');
    await eventually(() => existsSync(devLog) && readFileSync(devLog, 'utf8').includes('carol has kicked wendy (off topic)'), 10_000, 'WeeChat to show the kick');
    command('irc.server.bc */nick wendy2');
    await nc.until(() => nc.text.includes('* wendy is now known as wendy2\n'), 10_000);
    command('irc.server.bc */quit see you');
    await nc.until(() => nc.text.includes('* wendy2 left lobby (see you)\n'), 10_000);
  }, 60_000);
});
