/**
 * A hub's history through the IRC door, on real sockets: a late joiner is replayed a channel's
 * last messages after its JOIN burst, as PRIVMSGs from their senders, with `@time=` (and in a
 * `chathistory` batch) when it negotiated server-time (and batch), marked `[HH:MM UTC]` when it
 * did not; HISTORY replays more. Never a direct message, never to a refused join. irssi, under
 * tmux, shows the replayed lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonChatClient, type ChatMessage } from '../src/index.js';
import { parseIrcLine } from '../src/protocol/irc-message.js';
import type { IrcRaw } from './fixtures/irc-raw.js';
import { startIrcHub, type IrcTestHub } from './fixtures/irc-setup.js';
import { TmuxProgram } from './fixtures/irc-tmux.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { needs } from './helpers/tools.js';

const track = closeAfterEach();

/** Index of the first line at or after `from` matching `pattern`, or -1. */
function indexOf(client: IrcRaw, pattern: RegExp, from = 0): number {
  const index = client.lines.slice(from).findIndex((line) => pattern.test(line));
  return index === -1 ? -1 : from + index;
}

/** The PRIVMSGs to `channel` among `lines`: their tags, sender and text. */
function privmsgs(lines: readonly string[], channel: string): { tags: Readonly<Record<string, string>>; nick: string; text: string }[] {
  return lines
    .map((line) => parseIrcLine(line))
    .filter((message) => message?.verb === 'PRIVMSG' && message.params[0] === channel)
    .map((message) => ({ tags: message?.tags ?? {}, nick: (message?.source ?? '').split('!')[0] ?? '', text: message?.params[1] ?? '' }));
}

/**
 * carol (an nc user) says `count` numbered lines in `room` (`m1`...), which dave (a JSON client in
 * that room) hears: what he heard gives each message's time.
 */
async function conversation(start: IrcTestHub, room: string, count: number): Promise<{ heard: ChatMessage[]; nc: Awaited<ReturnType<IrcTestHub['nc']>> }> {
  const nc = await start.nc('carol');
  const json = track(new JsonChatClient({ port: start.port, nick: 'dave', reconnect: false }), (client) => client.close());
  const heard: ChatMessage[] = [];
  json.on('message', (message) => heard.push(message));
  await json.connect();
  if (room !== start.hub.defaultRoom) {
    nc.write(`/join ${room}\n`);
    json.join(room);
    await eventually(() => json.rooms.has(room) && start.hub.findPeer('carol')?.rooms.has(room) === true, 5000, 'carol and dave in the room');
  }
  for (let index = 1; index <= count; index += 1) nc.write(`m${index}\n`);
  await eventually(() => heard.filter((message) => message.room === room).length === count, 5000, `dave to hear ${count} messages`);
  return { heard, nc };
}

describe('replay on JOIN', () => {
  it('with server-time and batch: the last replayOnJoin as one chathistory batch after the NAMES, each at its time, in order', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 5 } });
    const { heard, nc } = await conversation(start, 'dev', 8);
    const ada = await start.irc('ada', ['CAP LS 302', 'CAP REQ :server-time batch', 'CAP END']);
    expect(ada.lines).toContain(':broadcast-chat.local CAP * LS :server-time echo-message batch');
    const joined = ada.lines.length;
    ada.send('JOIN #dev');
    await ada.waitFor(/^BATCH -/, { from: joined });
    const names = indexOf(ada, / 366 ada #dev /, joined);
    const open = indexOf(ada, /^BATCH \+/, joined);
    const close = indexOf(ada, /^BATCH -/, joined);
    expect(names).toBeGreaterThan(joined);
    expect(open).toBe(names + 1);
    const reference = /^BATCH \+(\S+) chathistory #dev$/.exec(ada.lines[open] ?? '')?.[1] ?? '';
    expect(reference).not.toBe('');
    expect(ada.lines[close]).toBe(`BATCH -${reference}`);
    const replayed = privmsgs(ada.lines.slice(open + 1, close), '#dev');
    expect(close - open - 1).toBe(replayed.length);
    expect(replayed.map((message) => `${message.nick}: ${message.text}`)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8'].map((text) => `carol: ${text}`));
    const times = heard.filter((message) => message.room === 'dev').slice(-5).map((message) => message.time.toISOString());
    expect(replayed.map((message) => message.tags)).toEqual(times.map((time) => ({ batch: reference, time })));
    // Live traffic after the replay is outside the batch, as any live message.
    nc.write('live now\n');
    const live = await ada.waitFor(/PRIVMSG #dev :live now$/, { from: close });
    expect(parseIrcLine(live)?.tags.batch).toBeUndefined();
  });

  it('with server-time only: the same lines with @time=, no batch', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 3 } });
    await conversation(start, 'dev', 4);
    const ada = await start.irc('ada', ['CAP LS 302', 'CAP REQ :server-time', 'CAP END']);
    const joined = ada.lines.length;
    ada.send('JOIN #dev');
    await ada.waitFor(/PRIVMSG #dev :m4$/, { from: joined });
    await ada.sync();
    const after = ada.lines.slice(indexOf(ada, / 366 ada #dev /, joined) + 1);
    expect(after.filter((line) => line.startsWith('BATCH'))).toEqual([]);
    const replayed = privmsgs(after, '#dev');
    expect(replayed.map((message) => message.text)).toEqual(['m2', 'm3', 'm4']);
    for (const message of replayed) expect(Object.keys(message.tags)).toEqual(['time']);
  });

  it('without CAP: no tags, each text starts with when it was said, [HH:MM UTC]', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 3 } });
    const { heard } = await conversation(start, 'dev', 4);
    const bob = await start.irc('bob');
    const joined = bob.lines.length;
    bob.send('JOIN #dev');
    await bob.waitFor(/PRIVMSG #dev :\S+ \S+ m4$/, { from: joined });
    await bob.sync();
    const names = indexOf(bob, / 366 bob #dev /, joined);
    const stamps = heard.filter((message) => message.room === 'dev').slice(-3).map((message) => `[${message.time.toISOString().slice(11, 16)} UTC]`);
    expect(bob.lines.slice(names + 1, names + 4)).toEqual([`:carol!carol@host PRIVMSG #dev :${stamps[0]} m2`, `:carol!carol@host PRIVMSG #dev :${stamps[1]} m3`, `:carol!carol@host PRIVMSG #dev :${stamps[2]} m4`]);
  });

  it('replays the default room right after the welcome, the client registering after the hub greeted it', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 2 } });
    await conversation(start, 'lobby', 3);
    const ada = await start.irc('ada', ['CAP LS 302', 'CAP REQ :server-time batch', 'CAP END']);
    await ada.waitFor(/^BATCH -/);
    const names = indexOf(ada, / 366 ada #lobby /);
    expect(ada.lines[names + 1]).toMatch(/^BATCH \+\S+ chathistory #lobby$/);
    expect(privmsgs(ada.lines.slice(names + 2, names + 4), '#lobby').map((message) => message.text)).toEqual(['m2', 'm3']);
    expect(ada.lines[names + 4]).toMatch(/^BATCH -/);
  });

  it('replays after the welcome when an authenticate hook lets the client in', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 2 }, authenticate: ({ credentials }) => credentials === 'open sesame' });
    // An nc user's first line is its credentials.
    const nc = track(await RawPeer.connect(start.port), (peer) => {
      peer.destroy();
    });
    nc.write('open sesame\n/nick carol\nm1\nm2\n');
    await eventually(() => (start.hub.stats().history?.messages ?? 0) === 2, 5000, 'two kept');
    const ada = await start.connectIrc();
    ada.send('PASS :open sesame', 'NICK ada', 'USER ada 0 * :Ada');
    await ada.waitFor(/PRIVMSG #lobby :\S+ \S+ m2$/);
    const names = indexOf(ada, / 366 ada #lobby /);
    expect(names).toBeGreaterThan(indexOf(ada, / 001 /));
    expect(privmsgs(ada.lines.slice(names + 1), '#lobby').map((message) => message.text.replace(/^\[\d\d:\d\d UTC\] /, ''))).toEqual(['m1', 'm2']);
  });

  it("replays the client's own messages, never a direct message, and nothing to a refused join", async () => {
    const start = await startIrcHub(track, { history: true });
    start.hub.use((ctx) => {
      if (ctx.message === '/join vault' && ctx.peer.nick === 'ada') ctx.refuse('ERR_FORBIDDEN', 'not you');
    });
    const { nc } = await conversation(start, 'dev', 2);
    const eve = await start.irc('eve');
    eve.send('JOIN #dev,#vault', 'PRIVMSG #dev :from eve', 'PRIVMSG #vault :vault secret', 'PRIVMSG dave :dm from eve', 'PRIVMSG carol :dm to carol');
    nc.write('/msg dave dm from carol\n');
    nc.write('/msg eve dm to eve\n');
    await eve.waitFor(/PRIVMSG eve :dm to eve$/);
    // Four room messages, and dave's two direct messages (kept in his JSON session, for him alone).
    await eventually(() => (start.hub.stats().history?.messages ?? 0) >= 6, 5000, 'six messages kept');
    start.hub.moderation.ban('ada', { room: 'banned' });
    eve.send('JOIN #banned', 'PRIVMSG #banned :banned secret');
    await eve.sync();

    const ada = await start.irc('ada', ['CAP LS 302', 'CAP REQ :server-time batch', 'CAP END']);
    const joined = ada.lines.length;
    // HISTORY of a channel one is not in (a refused one included) is 442, never a way in.
    ada.send('JOIN #dev', 'JOIN #vault', 'JOIN #banned', 'HISTORY #vault 5', 'HISTORY #banned', 'HISTORY #dev 50');
    await ada.waitFor(/NOTICE ada :end of the history of dev/, { from: joined });
    await ada.sync();
    const seen = ada.lines.slice(joined);
    expect(seen.some((line) => line.includes(' 474 ada #banned '))).toBe(true);
    expect(seen.filter((line) => line.includes(' 442 '))).toEqual([":broadcast-chat.local 442 ada #vault :You're not on that channel", ":broadcast-chat.local 442 ada #banned :You're not on that channel"]);
    expect(seen.filter((line) => / JOIN #(vault|banned)/.test(line))).toEqual([]);
    expect(seen.filter((line) => /secret|dm /.test(line))).toEqual([]);
    expect(privmsgs(seen, '#dev').map((message) => `${message.nick}: ${message.text}`)).toEqual(['carol: m1', 'carol: m2', 'eve: from eve', 'carol: m1', 'carol: m2', 'eve: from eve']);
    // eve's own message comes back to eve as history, without echo-message.
    const again = eve.lines.length;
    eve.send('HISTORY #dev 1');
    expect(await eve.waitFor(/PRIVMSG #dev/, { from: again })).toMatch(/^:eve!eve@host PRIVMSG #dev :\[\d\d:\d\d UTC\] from eve$/);
  });
});

describe('HISTORY', () => {
  it('replays the last N of a channel, then a notice; the channel joined last without one; numerics for the rest', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 0 } });
    await conversation(start, 'dev', 4);
    const ada = await start.irc('ada', ['CAP LS 302', 'CAP REQ :server-time batch', 'CAP END']);
    ada.send('JOIN #dev');
    await ada.waitFor(/ 366 ada #dev /);
    await ada.sync();
    // replayOnJoin 0: nothing on the JOIN.
    expect(privmsgs(ada.lines, '#dev')).toEqual([]);
    let from = ada.lines.length;
    ada.send('HISTORY #dev 2');
    await ada.waitFor(/NOTICE ada :end of the history of dev \(2 messages\)$/, { from });
    expect(ada.lines.slice(from, from + 4).map((line) => line.replace(/^@batch=\w+;time=\S+ /, '').replace(/history\w+/, 'REF'))).toEqual([
      'BATCH +REF chathistory #dev',
      ':carol!carol@host PRIVMSG #dev :m3',
      ':carol!carol@host PRIVMSG #dev :m4',
      'BATCH -REF',
    ]);
    from = ada.lines.length;
    ada.send('HISTORY 1', 'HISTORY #lobby', 'HISTORY #nowhere', 'HISTORY #dev many');
    await ada.sync();
    const answers = ada.lines.slice(from).filter((line) => !line.startsWith('@') && !line.startsWith('BATCH') && !line.includes(' PONG '));
    expect(answers).toEqual([
      ':broadcast-chat.local NOTICE ada :end of the history of dev (1 message)',
      ':broadcast-chat.local NOTICE ada :no history in lobby',
      ':broadcast-chat.local 403 ada #nowhere :No such channel',
      ':broadcast-chat.local 461 ada HISTORY :usage: /history [N], N a whole number from 1',
    ]);
    const nc = await start.nc('zed');
    nc.write('/join other\n');
    await eventually(() => start.hub.rooms.has('other'), 5000, 'the room other');
    from = ada.lines.length;
    ada.send('HISTORY #other');
    expect(await ada.waitFor(/ 442 /, { from })).toBe(":broadcast-chat.local 442 ada #other :You're not on that channel");
  });

  it('is an unknown command on a hub without history, which offers no batch', async () => {
    const start = await startIrcHub(track);
    const ada = await start.irc('ada', ['CAP LS 302', 'CAP END']);
    expect(ada.lines).toContain(':broadcast-chat.local CAP * LS :server-time echo-message');
    const from = ada.lines.length;
    ada.send('HISTORY #lobby 5');
    expect(await ada.waitFor(/ 421 /, { from })).toBe(':broadcast-chat.local 421 ada HISTORY :Unknown command (this hub keeps no history)');
  });
});

needs('tmux', 'irssi').describe('irssi', () => {
  it('shows the replayed lines of a channel it joins, and HISTORY through /quote', async () => {
    const start = await startIrcHub(track, { history: { replayOnJoin: 3 } });
    await conversation(start, 'dev', 4);
    const home = track(mkdtempSync(join(tmpdir(), 'broadcast-chat-irssi-history-')), (dir) => {
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    });
    const irssi = track(new TmuxProgram(), (program) => program.close());
    irssi.start(['irssi', `--home=${home}`, '-c', '127.0.0.1', '-p', String(start.ircPort), '-n', 'irene']);
    await eventually(() => start.hub.findPeer('irene') !== undefined, 15_000, 'irssi to register');
    irssi.type('/join #dev');
    await irssi.waitForScreen(/< ?carol> m4/);
    const screen = irssi.screen();
    expect(screen).not.toMatch(/< ?carol> m1\b/);
    expect(screen.indexOf('carol> m2')).toBeLessThan(screen.indexOf('carol> m3'));
    // The closing notice is the server's: irssi puts it in its status window.
    irssi.type('/quote HISTORY #dev 4');
    await irssi.waitForScreen(/< ?carol> m1[^]*< ?carol> m4/);
  }, 60_000);
});
