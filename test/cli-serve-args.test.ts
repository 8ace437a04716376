import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectArgs, parseServeArgs, UsageError } from '../src/cli/args.js';
import { ConfigFileError } from '../src/cli/serve-config.js';
import { SERVE_SETTINGS } from '../src/cli/serve-settings.js';
import { serveHubOptions } from '../src/cli/serve-hub-options.js';
import { serveIrc, type IrcEntry } from '../src/cli/serve-irc.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_COMMAND_BURST,
  DEFAULT_COMMAND_RATE,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CLIENTS_PER_ADDRESS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_SOFT_QUEUED_BYTES,
  hashOperatorPassword,
} from '../src/internals.js';
import type { ListenIrcOptions } from '../src/irc.js';
import { assertCliBuilt, cli, killAll, Spawned } from './fixtures/spawned.js';

// `serve`'s settings from flags, the environment and a config file, parsed in this process;
// and the program's answer to bad ones, run as a person runs it.
let dir = '';

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-serve-args-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
afterEach(killAll);

/** Writes a config file into the test's directory and returns its path. */
function config(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function serve(argv: string[], env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const command = parseServeArgs(argv, env);
  if (command.command !== 'serve') throw new Error(`not serve: ${command.command}`);
  return command;
}

describe('serve flags', () => {
  it('leaves every setting out unless given, so that the library applies its defaults', () => {
    expect(serve([])).toEqual({ command: 'serve', host: '0.0.0.0', port: 8000, framing: 'auto' });
    expect(serveHubOptions(serve([]) as never, undefined)).toEqual({ framing: 'auto' });
  });

  it('reads each flag into the library option of the same name', () => {
    const command = serve([
      '--max-clients', '50', '--max-clients-per-address', '5', '--max-message-bytes', '64k', '--oversized-message', 'disconnect',
      '--invalid-utf8', 'reject', '--max-queued-bytes', '4m', '--slow-consumer-policy', 'drop', '--soft-queued-bytes', '0',
      '--soft-queued-seconds', '2.5', '--idle-timeout', '1h', '--partial-message-timeout', '250ms', '--heartbeat-interval', '0',
      '--keep-alive-delay', '45s', '--close-timeout', '1500', '--flood', '5:2', '--flood-max-backlog', '10',
      '--max-pending-messages', '7', '--max-pending-bytes', '1MiB', '--chat', '--room', 'main', '--guest-prefix', 'visitor',
      '--raw-notices', '--echo', '--motd', 'be nice', '--log', 'json',
    ]);
    expect(serveHubOptions(command as never, undefined)).toEqual({
      framing: 'mixed',
      chat: { rawNotices: true },
      defaultRoom: 'main',
      guestPrefix: 'visitor',
      echo: true,
      maxClients: 50,
      maxClientsPerAddress: 5,
      maxMessageBytes: 65_536,
      oversizedMessage: 'disconnect',
      invalidUtf8: 'reject',
      maxQueuedBytes: 4 * 1024 * 1024,
      slowConsumerPolicy: 'drop',
      softQueuedBytes: 0,
      softQueuedSeconds: 2.5,
      idleTimeout: 3_600_000,
      partialMessageTimeout: 250,
      heartbeatInterval: 0,
      keepAliveDelay: 45_000,
      closeTimeout: 1500,
      flood: { burst: 5, rate: 2, maxBacklog: 10 },
      maxPendingMessages: 7,
      maxPendingBytes: 1024 * 1024,
    });
    expect(command).toMatchObject({ motd: 'be nice', log: 'json' });
  });

  it('serves any framing; --chat alone picks mixed, and json and mixed are chat on their own', () => {
    for (const framing of ['auto', 'line', 'raw', 'length', 'json', 'mixed']) expect(serve(['--framing', framing]).framing).toBe(framing);
    expect(serve(['--chat'])).toMatchObject({ framing: 'mixed', chat: true });
    expect(serve(['--chat', '-f', 'line'])).toMatchObject({ framing: 'line', chat: true });
    expect(serve(['--framing', 'json', '--room', 'main'])).toMatchObject({ framing: 'json', room: 'main' });
  });

  it.each([
    [['--max-clients', '0'], "invalid --max-clients '0': expected a whole number, at least 1"],
    [['--max-clients', '1.5'], "invalid --max-clients '1.5'"],
    [['--max-clients-per-address', 'many'], "invalid --max-clients-per-address 'many'"],
    [['--max-message-bytes', '0'], "invalid --max-message-bytes '0': expected a size in bytes, at least 1"],
    [['--max-queued-bytes', '4 parsecs'], "invalid --max-queued-bytes '4 parsecs'"],
    [['--soft-queued-bytes=-1'], "invalid --soft-queued-bytes '-1'"],
    [['--soft-queued-seconds', 'soon'], "invalid --soft-queued-seconds 'soon'"],
    [['--idle-timeout', '1 fortnight'], "invalid --idle-timeout '1 fortnight': expected milliseconds (0 turns it off)"],
    [['--close-timeout', '0'], "invalid --close-timeout '0': expected milliseconds, above 0"],
    [['--heartbeat-interval=-5'], "invalid --heartbeat-interval '-5'"],
    [['--partial-message-timeout', 'x'], "invalid --partial-message-timeout 'x'"],
    [['--keep-alive-delay', '1y'], "invalid --keep-alive-delay '1y'"],
    [['--oversized-message', 'explode'], "invalid --oversized-message 'explode': expected one of drop, disconnect"],
    [['--slow-consumer-policy', 'wait'], "invalid --slow-consumer-policy 'wait': expected one of disconnect, drop"],
    [['--invalid-utf8', 'ignore'], "invalid --invalid-utf8 'ignore'"],
    [['--flood', '5'], "invalid --flood '5': expected BURST:RATE[:POLICY]"],
    [['--flood', '5:2:later'], "invalid policy in --flood 'later': expected one of slow, drop, disconnect"],
    [['--framing', 'xml'], "invalid --framing 'xml': expected one of auto, line, raw, length, json, mixed"],
    [['--log', 'yaml'], "invalid --log 'yaml': expected one of text, json"],
    [['--chat', '--room', 'no spaces'], "invalid --room 'no spaces': a room name"],
    [['--redis', 'localhost:6379'], "invalid --redis 'localhost:6379': expected a redis:// or rediss:// URL"],
    [['--motd', ' '], "invalid --motd ' ': expected some text"],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it.each([
    [['--chat', '--framing', 'length'], '--chat needs a text framing: length carries bytes'],
    [['--no-chat', '--framing', 'json'], 'the json framing is a chat protocol: it cannot run with --no-chat'],
    [['--chat', '--no-chat'], 'give --chat or --no-chat, not both'],
    [['--room', 'main'], '--room only applies in chat mode: add --chat'],
    [['--guest-prefix', 'visitor'], '--guest-prefix only applies in chat mode'],
    [['--raw-notices'], '--raw-notices only applies in chat mode'],
    [['--redis', 'redis://127.0.0.1:6379', '--nats', '127.0.0.1:4222'], 'give --redis or --nats, not both'],
    [['--prefix', 'team'], '--prefix is for a chat on a broker: add --redis URL or --nats URL'],
    [['--hub-id', 'one'], '--hub-id is for a chat on a broker'],
    [['--tls-key', 'key.pem'], '--tls-key and --tls-cert go together'],
    [['--handshake-timeout', '5s'], '--handshake-timeout only applies to TLS'],
    [['--flood-max-backlog', '10'], '--flood-max-backlog needs --flood'],
    [['--flood', '5:2:drop', '--flood-max-backlog', '10'], '--flood-max-backlog only applies to the slow flood policy, not drop'],
    [['--tls'], '--tls and --tls-ca are options of connect'],
  ])('refuses %j, which cannot work', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it("names connect's flags as such, and serve's when given to connect", () => {
    expect(() => parseConnectArgs(['--max-clients', '5'])).toThrow('--max-clients is an option of serve');
    expect(() => parseConnectArgs(['--chat'])).toThrow('--chat is an option of serve');
    expect(() => parseServeArgs(['--tls-ca', 'ca.pem'])).toThrow(UsageError);
  });
});

describe('serve --web and the command rate', () => {
  it('serves the chat page on --web PORT, as a chat: --chat is implied and mixed is the framing', () => {
    expect(serve(['--web', '8080'])).toEqual({ command: 'serve', host: '0.0.0.0', port: 8000, framing: 'mixed', chat: true, web: 8080 });
    expect(serve(['--chat', '--web', '0'])).toMatchObject({ framing: 'mixed', chat: true, web: 0 });
    expect(serve(['--web', '8080', '-f', 'line'])).toMatchObject({ framing: 'line', chat: true });
    expect(serveHubOptions(serve(['--web', '8080', '-f', 'line']) as never, undefined)).toEqual({ framing: 'line', chat: true });
    expect(serve(['--web', '8080', '--web-host', '127.0.0.1'])).toMatchObject({ host: '0.0.0.0', webHost: '127.0.0.1' });
  });

  it('takes --web-origin repeated or comma-separated, as browsers write origins', () => {
    expect(serve(['--web', '8080', '--web-origin', 'https://chat.example.com', '--web-origin', 'HTTPS://Chat.Example.org:443/,http://127.0.0.1:8080']).webOrigin).toEqual([
      'https://chat.example.com',
      'https://chat.example.org',
      'http://127.0.0.1:8080',
    ]);
    expect(serve(['--web', '8080', '--web-origin', '*']).webOrigin).toEqual(['*']);
    expect(serve([], { BROADCAST_CHAT_WEB: '8080', BROADCAST_CHAT_WEB_ORIGIN: 'https://a.example, https://b.example' })).toMatchObject({ web: 8080, chat: true, webOrigin: ['https://a.example', 'https://b.example'] });
    const file = config('web.json', { web: 8080, webHost: '127.0.0.1', webOrigin: ['https://chat.example.com'] });
    expect(serve(['--config', file])).toMatchObject({ web: 8080, webHost: '127.0.0.1', webOrigin: ['https://chat.example.com'], chat: true });
  });

  it('sets the library option commandRate from --command-burst and --command-rate, the default for the one not given', () => {
    expect(serveHubOptions(serve(['--command-burst', '10', '--command-rate', '2']) as never, undefined)).toEqual({ framing: 'auto', commandRate: { burst: 10, rate: 2 } });
    expect(serve(['--command-rate', '0.5']).commandRate).toEqual({ burst: DEFAULT_COMMAND_BURST, rate: 0.5 });
    expect(serve(['--command-burst', '5']).commandRate).toEqual({ burst: 5, rate: DEFAULT_COMMAND_RATE });
    expect(serveHubOptions(serve(['--no-command-rate']) as never, undefined)).toEqual({ framing: 'auto', commandRate: false });
    expect(serve([], { BROADCAST_CHAT_COMMAND_RATE: 'off' }).commandRate).toBe(false);
    expect(serve([], { BROADCAST_CHAT_COMMAND_BURST: '3' }).commandRate).toEqual({ burst: 3, rate: DEFAULT_COMMAND_RATE });
    expect(serve(['--config', config('commands.json', { commandRate: false })]).commandRate).toBe(false);
    expect(serve(['--config', config('commands-rate.json', { commandBurst: 8, commandRate: 1.5 })]).commandRate).toEqual({ burst: 8, rate: 1.5 });
    // A flag wins over the environment, as for every setting.
    expect(serve(['--command-rate', '3'], { BROADCAST_CHAT_COMMAND_RATE: 'off' }).commandRate).toEqual({ burst: DEFAULT_COMMAND_BURST, rate: 3 });
    expect(serve([])).not.toHaveProperty('commandRate');
  });

  it.each([
    [['--web', '65536'], "invalid --web '65536': expected a port from 0 to 65535"],
    [['--web', 'http'], "invalid --web 'http'"],
    [['--web', '8080', '--no-chat'], '--web serves a chat: it cannot run with --no-chat'],
    [['--web', '8080', '--framing', 'length'], '--web needs a text framing: length carries bytes'],
    [['--web-host', '127.0.0.1'], '--web-host is for the chat page: add --web PORT'],
    [['--web-origin', 'https://chat.example.com'], '--web-origin is for the chat page: add --web PORT'],
    [['--web', '8080', '--web-origin', 'chat.example.com'], "invalid --web-origin 'chat.example.com': expected an origin such as https://chat.example.com"],
    [['--web', '8080', '--web-origin', 'https://chat.example.com/chat/'], "invalid --web-origin 'https://chat.example.com/chat/'"],
    [['--web', '8080', '--web-origin', 'ftp://chat.example.com'], "invalid --web-origin 'ftp://chat.example.com'"],
    [['--web', '8080', '--web-origin', '*,https://chat.example.com'], '--web-origin: * lets every page connect, so it goes alone'],
    [['--web', '8080', '--web-origin', ','], "invalid --web-origin ','"],
    [['--command-burst', '0'], "invalid --command-burst '0': expected a whole number, at least 1"],
    [['--command-rate', '0'], "invalid --command-rate '0': expected a number a second, above 0"],
    [['--command-rate', 'fast'], "invalid --command-rate 'fast'"],
    [['--command-burst', '5', '--no-command-rate'], 'give --command-burst or --no-command-rate, not both'],
    [['--command-rate', '2', '--no-command-rate'], 'give --command-rate or --no-command-rate, not both'],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it('refuses them in the environment and a config file, naming the variable or the key', () => {
    expect(() => parseServeArgs([], { BROADCAST_CHAT_WEB: '8080', BROADCAST_CHAT_CHAT: 'no' })).toThrow('BROADCAST_CHAT_WEB serves a chat: it cannot run with BROADCAST_CHAT_CHAT');
    expect(() => parseServeArgs(['--config', config('bad-origin.json', { web: 8080, webOrigin: [42] })])).toThrow(/invalid webOrigin in .*bad-origin\.json 42/);
    expect(() => parseServeArgs(['--config', config('bad-rate.json', { commandRate: true })])).toThrow(/invalid commandRate in .*bad-rate\.json true/);
    expect(() => parseServeArgs(['--config', config('typo-web.json', { webOrigins: ['https://a.example'] })])).toThrow("unknown key 'webOrigins' (did you mean 'webOrigin'?)");
  });

  it("names serve's new flags as such when given to connect", () => {
    expect(() => parseConnectArgs(['--web', '8080'])).toThrow('--web is an option of serve');
    expect(() => parseConnectArgs(['--web-origin', 'https://a.example'])).toThrow('--web-origin is an option of serve');
    expect(() => parseConnectArgs(['--no-command-rate'])).toThrow('--no-command-rate is an option of serve');
  });
});

describe('serve --history and --irc', () => {
  it('keeps N messages a room with --history N, a chat setting; 0 is off, as when not given', () => {
    expect(serve(['--chat', '--history', '5'])).toEqual({ command: 'serve', host: '0.0.0.0', port: 8000, framing: 'mixed', chat: true, history: 5 });
    expect(serveHubOptions(serve(['--chat', '--history', '5']) as never, undefined)).toEqual({ framing: 'mixed', chat: true, history: { messages: 5 } });
    expect(serveHubOptions(serve(['--chat', '--history', '50', '--history-replay', '0']) as never, undefined)).toEqual({ framing: 'mixed', chat: true, history: { messages: 50, replayOnJoin: 0 } });
    expect(serveHubOptions(serve(['--chat', '--history', '5', '--history-replay', '5']) as never, undefined)).toMatchObject({ history: { messages: 5, replayOnJoin: 5 } });
    for (const argv of [['--chat', '--history', '0'], ['--history', '0']]) {
      expect(serve(argv)).not.toHaveProperty('history');
      expect(serveHubOptions(serve(argv) as never, undefined)).not.toHaveProperty('history');
    }
    // Chat by another way: the json and mixed framings, --web and --irc.
    expect(serve(['--framing', 'json', '--history', '3'])).toMatchObject({ history: 3 });
    expect(serve(['--irc', '6667', '--history', '3'])).toMatchObject({ chat: true, history: 3 });
    expect(serve([], { BROADCAST_CHAT_CHAT: '1', BROADCAST_CHAT_HISTORY: '20', BROADCAST_CHAT_HISTORY_REPLAY: '4' })).toMatchObject({ history: 20, historyReplay: 4 });
    expect(serve(['--config', config('history.json', { chat: true, history: 100, historyReplay: 10 })])).toMatchObject({ history: 100, historyReplay: 10 });
    // With a broker the hub keeps it there by itself: serve passes the same option.
    expect(serveHubOptions(serve(['--chat', '--history', '5', '--redis', 'redis://127.0.0.1:6379']) as never, undefined)).toMatchObject({ history: { messages: 5 } });
  });

  it('lets IRC clients in on --irc PORT, as a chat: --chat is implied and mixed is the framing', () => {
    expect(serve(['--irc', '6667'])).toEqual({ command: 'serve', host: '0.0.0.0', port: 8000, framing: 'mixed', chat: true, irc: 6667 });
    expect(serve(['--irc', '0', '--irc-host', '127.0.0.1'])).toMatchObject({ host: '0.0.0.0', irc: 0, ircHost: '127.0.0.1' });
    expect(serve(['--irc', '6667', '-f', 'line'])).toMatchObject({ framing: 'line', chat: true });
    expect(serve(['--irc', '6667', '--web', '8080'])).toMatchObject({ framing: 'mixed', chat: true, irc: 6667, web: 8080 });
    expect(serve([], { BROADCAST_CHAT_IRC: '6697', BROADCAST_CHAT_IRC_HOST: '::1' })).toMatchObject({ irc: 6697, ircHost: '::1', chat: true });
    expect(serve(['--config', config('irc.json', { irc: 6667, ircHost: '127.0.0.1' })])).toMatchObject({ irc: 6667, ircHost: '127.0.0.1', chat: true });
    // The door is no option of the hub: the hub is a chat, nothing more.
    expect(serveHubOptions(serve(['--irc', '6667']) as never, undefined)).toEqual({ framing: 'mixed', chat: true });
  });

  it.each([
    [['--history', '5'], '--history only applies in chat mode: add --chat'],
    [['--no-chat', '--history', '5'], '--history only applies in chat mode'],
    [['--chat', '--history=-1'], "invalid --history '-1': expected a whole number, at least 0"],
    [['--chat', '--history', 'lots'], "invalid --history 'lots'"],
    [['--chat', '--history', '2.5'], "invalid --history '2.5'"],
    [['--chat', '--history-replay', '3'], '--history-replay replays the history: add --history N'],
    [['--chat', '--history', '0', '--history-replay', '3'], '--history-replay replays the history: add --history N'],
    [['--chat', '--history', '5', '--history-replay', '6'], '--history-replay 6 is more than the 5 messages --history keeps'],
    [['--chat', '--history', '5', '--history-replay', 'x'], "invalid --history-replay 'x'"],
    [['--irc', '65536'], "invalid --irc '65536': expected a port from 0 to 65535"],
    [['--irc', 'irc://x'], "invalid --irc 'irc://x'"],
    [['--irc', '6667', '--no-chat'], '--irc serves a chat: it cannot run with --no-chat'],
    [['--irc', '6667', '--framing', 'length'], '--irc needs a text framing: length carries bytes'],
    [['--irc-host', '127.0.0.1'], '--irc-host is for IRC clients: add --irc PORT'],
    [['--web-host', '127.0.0.1', '--irc', '6667'], '--web-host is for the chat page: add --web PORT'],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it('refuses them in the environment and a config file, naming the variable or the key', () => {
    expect(() => parseServeArgs([], { BROADCAST_CHAT_HISTORY: '5' })).toThrow('BROADCAST_CHAT_HISTORY only applies in chat mode');
    expect(() => parseServeArgs([], { BROADCAST_CHAT_IRC: '6667', BROADCAST_CHAT_CHAT: 'off' })).toThrow('BROADCAST_CHAT_IRC serves a chat: it cannot run with BROADCAST_CHAT_CHAT');
    expect(() => parseServeArgs(['--config', config('bad-history.json', { chat: true, history: true })])).toThrow(/invalid history in .*bad-history\.json true/);
    expect(() => parseServeArgs(['--config', config('bad-replay.json', { chat: true, history: 3, historyReplay: 4 })])).toThrow(/historyReplay in .*bad-replay\.json 4 is more than the 3 messages history in .*keeps/);
    expect(() => parseServeArgs(['--config', config('typo-irc.json', { ircPort: 6667 })])).toThrow("unknown key 'ircPort'");
  });

  it("names serve's new flags as such when given to connect", () => {
    expect(() => parseConnectArgs(['--irc', '6667'])).toThrow('--irc is an option of serve');
    expect(() => parseConnectArgs(['--history', '5'])).toThrow('--history is an option of serve');
  });
});

describe('serve --operator and the IRC query rate', () => {
  // Made once: scrypt costs tens of milliseconds a hash.
  let ada = '';
  let bob = '';
  beforeAll(async () => {
    [ada, bob] = await Promise.all([hashOperatorPassword('ada-pw'), hashOperatorPassword('bob-pw')]);
  });

  it('maps NAME=HASH, repeated or comma-separated, from a flag, the environment or a file, to moderation.operators', () => {
    const command = serve(['--chat', '--operator', `ada=${ada}`, '--operator', `bob=${bob}`]);
    expect(command.operator).toEqual({ ada, bob });
    expect(serveHubOptions(command as never, undefined)).toEqual({ framing: 'mixed', chat: true, moderation: { operators: { ada, bob } } });
    expect(serve(['--chat', '--operator', `ada=${ada},bob=${bob}`]).operator).toEqual({ ada, bob });
    expect(serve([], { BROADCAST_CHAT_CHAT: '1', BROADCAST_CHAT_OPERATOR: `ada=${ada}, bob=${bob}` }).operator).toEqual({ ada, bob });
    expect(serve(['--config', config('operators.json', { chat: true, operator: { ada } })]).operator).toEqual({ ada });
    expect(serve(['--config', config('operators-list.json', { chat: true, operator: [`bob=${bob}`] })]).operator).toEqual({ bob });
    // As every setting: the flag wins over the environment; --irc and --web are chat, so operators apply.
    expect(serve(['--chat', '--operator', `bob=${bob}`], { BROADCAST_CHAT_OPERATOR: `ada=${ada}` }).operator).toEqual({ bob });
    expect(serve(['--irc', '6667', '--operator', `ada=${ada}`])).toMatchObject({ chat: true, operator: { ada } });
    expect(serve(['--chat'])).not.toHaveProperty('operator');
  });

  it.each([
    [['--chat', '--operator', 'ada=s3cret'], 'invalid --operator for ada: the value after ada= is not a hash from broadcast-chat hash-password'],
    [['--chat', '--operator', 'ada=scrypt$16384$8$1$c2FsdA$a2V5'], 'invalid --operator for ada'],
    [['--chat', '--operator', 'ada=scrypt$1000$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5'], 'invalid --operator for ada'],
    [['--chat', '--operator', 'scrypt$16384$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5'], 'invalid --operator: expected NAME=HASH'],
    [['--chat', '--operator', '=x'], 'invalid --operator: expected NAME=HASH'],
    [['--chat', '--operator', ','], 'invalid --operator: expected NAME=HASH'],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });

  it('never repeats the value it refuses: it may be a password', () => {
    expect(() => parseServeArgs(['--chat', '--operator', 'ada=hunter2'])).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') as unknown }));
  });

  it('refuses a name twice or with spaces, and operators without chat mode', () => {
    expect(() => parseServeArgs(['--chat', '--operator', `ada=${ada}`, '--operator', `ada=${bob}`])).toThrow('--operator names the operator ada twice');
    expect(() => parseServeArgs(['--config', config('bad-name.json', { chat: true, operator: { 'a b': ada } })])).toThrow(/invalid operator in .*bad-name\.json: operator name "a b" must be one word/);
    expect(() => parseServeArgs(['--operator', `ada=${ada}`])).toThrow('--operator only applies in chat mode: add --chat');
    expect(() => parseServeArgs([], { BROADCAST_CHAT_OPERATOR: 'ada=pw', BROADCAST_CHAT_CHAT: '1' })).toThrow('invalid BROADCAST_CHAT_OPERATOR for ada');
    expect(() => parseServeArgs(['--config', config('bad-hash.json', { chat: true, operator: { ada: 'pw' } })])).toThrow(/invalid operator in .*bad-hash\.json for ada/);
    expect(() => parseServeArgs(['--config', config('typo-operators.json', { chat: true, operators: { ada } })])).toThrow("unknown key 'operators' (did you mean 'operator'?)");
    expect(() => parseConnectArgs(['--operator', `ada=${ada}`])).toThrow('--operator is an option of serve');
  });

  it("gives the IRC door --command-burst and --command-rate as its queryRate, and --no-command-rate as false", async () => {
    const asked: ListenIrcOptions[] = [];
    const entry = { listenIrc: (_hub: unknown, options: ListenIrcOptions) => asked.push(options) } as unknown as IrcEntry;
    const door = (argv: string[]): Promise<unknown> => {
      const command = serve(['--irc', '0', ...argv]);
      return serveIrc(entry, undefined as never, { ...command, irc: 0 } as never, new AbortController().signal);
    };
    await door(['--command-burst', '3', '--command-rate', '0.5']);
    await door(['--no-command-rate']);
    await door([]);
    expect(asked.map((options) => options.queryRate)).toEqual([{ burst: 3, rate: 0.5 }, false, undefined]);
  });
});

describe('serve settings from the environment and a config file', () => {
  it('takes flags over the environment, and the environment over the file', () => {
    const file = config('precedence.json', { maxClients: 1, idleTimeout: '1m', chat: true, motd: 'from the file' });
    const env = { BROADCAST_CHAT_MAX_CLIENTS: '2', BROADCAST_CHAT_CHAT: 'off' };
    expect(serve(['--config', file, '--max-clients', '3'], env)).toMatchObject({ maxClients: 3, idleTimeout: 60_000, chat: false, motd: 'from the file' });
    expect(serve(['--config', file], env)).toMatchObject({ maxClients: 2, chat: false });
    expect(serve(['--config', file])).toMatchObject({ maxClients: 1, chat: true, framing: 'mixed' });
    expect(serve(['--config', file, '--no-chat'], { BROADCAST_CHAT_CHAT: 'yes' })).toMatchObject({ chat: false, framing: 'auto' });
    // The file can be named by the environment too; an empty variable counts as unset.
    expect(serve([], { BROADCAST_CHAT_CONFIG: file, BROADCAST_CHAT_MAX_CLIENTS: '' })).toMatchObject({ maxClients: 1 });
  });

  it('reads every setting from BROADCAST_CHAT_<FLAG>, and HOST and PORT as before', () => {
    const command = serve([], {
      HOST: '127.0.0.1',
      PORT: '9000',
      BROADCAST_CHAT_FRAMING: 'line',
      BROADCAST_CHAT_CHAT: '1',
      BROADCAST_CHAT_ROOM: 'main',
      BROADCAST_CHAT_MAX_CLIENTS_PER_ADDRESS: '3',
      BROADCAST_CHAT_IDLE_TIMEOUT: '90s',
      BROADCAST_CHAT_FLOOD: '10:0.5:disconnect',
      BROADCAST_CHAT_LOG: 'json',
    });
    expect(command).toMatchObject({ host: '127.0.0.1', port: 9000, framing: 'line', chat: true, room: 'main', maxClientsPerAddress: 3, idleTimeout: 90_000, log: 'json' });
    expect(command.flood).toEqual({ burst: 10, rate: 0.5, policy: 'disconnect' });
    expect(serve([], { HOST: '127.0.0.1', BROADCAST_CHAT_HOST: '::1' }).host).toBe('::1');
    expect(() => parseServeArgs([], { BROADCAST_CHAT_MAX_CLIENTS: 'lots' })).toThrow("invalid BROADCAST_CHAT_MAX_CLIENTS 'lots'");
    expect(() => parseServeArgs([], { BROADCAST_CHAT_ECHO: 'maybe' })).toThrow("invalid BROADCAST_CHAT_ECHO 'maybe': expected true or false");
    expect(() => parseServeArgs([], { BROADCAST_CHAT_ROOM: 'main' })).toThrow('BROADCAST_CHAT_ROOM only applies in chat mode');
  });

  it('refuses an unknown key by name, with the key it was probably meant to be', () => {
    const file = config('typo.json', { chat: true, maxClient: 5 });
    expect(() => parseServeArgs(['--config', file])).toThrow(ConfigFileError);
    expect(() => parseServeArgs(['--config', file])).toThrow(`${file}: unknown key 'maxClient' (did you mean 'maxClients'?)`);
    expect(() => parseServeArgs(['--config', config('far.json', { colour: 'blue' })])).toThrow(/unknown key 'colour'$/);
  });

  it('checks each value as its flag is checked, naming the key and the file', () => {
    expect(() => parseServeArgs(['--config', config('bad-count.json', { maxClients: 0 })])).toThrow(/invalid maxClients in .*bad-count\.json 0: expected a whole number, at least 1/);
    expect(() => parseServeArgs(['--config', config('bad-bool.json', { chat: 'sometimes' })])).toThrow("invalid chat in");
    expect(() => parseServeArgs(['--config', config('bad-flood.json', { flood: { burst: 5 } })])).toThrow(/invalid rate in flood in .*: expected messages per second/);
    expect(() => parseServeArgs(['--config', config('bad-flood-key.json', { flood: { burst: 5, rate: 1, speed: 2 } })])).toThrow("unknown key 'speed' in flood");
    expect(() => parseServeArgs(['--config', config('room.json', { room: 'main' })])).toThrow(/room in .*room\.json only applies in chat mode/);
    expect(serve(['--config', config('flood.json', { flood: { burst: 5, rate: 1, policy: 'drop' } })]).flood).toEqual({ burst: 5, rate: 1, policy: 'drop' });
  });

  it('refuses a file that is not a JSON object, or not there', () => {
    expect(() => parseServeArgs(['--config', config('broken.json', '{"chat": true,')])).toThrow(/broken\.json is not valid JSON/);
    expect(() => parseServeArgs(['--config', config('list.json', [1, 2])])).toThrow('must hold a JSON object of settings');
    expect(() => parseServeArgs(['--config', join(dir, 'missing.json')])).toThrow(/cannot read --config .*missing\.json: ENOENT/);
  });

  it("reads the TLS files a config file names from the file's directory", () => {
    const tlsDir = mkdtempSync(join(dir, 'tls-'));
    writeFileSync(join(tlsDir, 'key.pem'), 'the key');
    writeFileSync(join(tlsDir, 'cert.pem'), 'the certificate');
    writeFileSync(join(tlsDir, 'chat.json'), JSON.stringify({ tlsKey: 'key.pem', tlsCert: 'cert.pem', handshakeTimeout: '2s' }));
    const command = serve(['--config', join(tlsDir, 'chat.json')]);
    expect(command.tls).toEqual({ key: Buffer.from('the key'), cert: Buffer.from('the certificate') });
    expect(command.handshakeTimeout).toBe(2000);
  });
});

describe('broadcast-chat serve with bad settings', () => {
  it('lists every setting in its help, with its default from the library', async () => {
    const program = cli('help', ['serve', '--help']);
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
    const help = program.printed.stdout;
    for (const setting of Object.values(SERVE_SETTINGS)) expect(help).toContain(`--${setting.flag}`);
    for (const shown of [
      `(default ${DEFAULT_MAX_CLIENTS})`,
      `(default ${DEFAULT_MAX_CLIENTS_PER_ADDRESS})`,
      `(default ${DEFAULT_MAX_MESSAGE_BYTES / 1024}KiB)`,
      `(default ${DEFAULT_MAX_QUEUED_BYTES / 1024 / 1024}MiB)`,
      `${DEFAULT_SOFT_QUEUED_BYTES / 1024 / 1024}MiB)`,
      `(default ${DEFAULT_IDLE_TIMEOUT_MS / 3_600_000}h)`,
      `(default ${DEFAULT_HEARTBEAT_INTERVAL_MS / 1000}s)`,
      `(default ${DEFAULT_CLOSE_TIMEOUT_MS / 1000}s)`,
      `(default ${DEFAULT_COMMAND_BURST})`,
      `(default ${DEFAULT_COMMAND_RATE})`,
      '--no-command-rate',
      'BROADCAST_CHAT_MAX_CLIENTS',
      '--config FILE',
      '--history N',
      '--history-replay N',
      '--irc PORT',
      '--irc-host HOST',
      '--operator NAME=HASH',
      'hash-password',
    ]) {
      expect(help.replace(/\s+/g, ' ')).toContain(shown);
    }
    expect(help.split('\n').filter((line) => line.length > 80)).toEqual([]);
  });

  it('exits 2 with the flag named and the usage for a bad flag', async () => {
    const program = cli('bad flag', ['serve', '--max-clients', '0']);
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toMatch(/^broadcast-chat: invalid --max-clients '0': expected a whole number, at least 1\n\nUsage: broadcast-chat serve /);
  });

  it('exits 2 naming --operator for a value that is no hash, without printing it', async () => {
    const program = cli('bad operator', ['serve', '--chat', '--operator', 'ada=hunter2']);
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toMatch(/^broadcast-chat: invalid --operator for ada: the value after ada= is not a hash from broadcast-chat hash-password/);
    expect(program.printed.stderr).not.toContain('hunter2');
    expect(program.printed.stdout).toBe('');
  });

  it('exits 2 naming the variable for a bad environment value', async () => {
    const program = cli('bad env', ['serve'], { BROADCAST_CHAT_IDLE_TIMEOUT: 'forever' });
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toMatch(/^broadcast-chat: invalid BROADCAST_CHAT_IDLE_TIMEOUT 'forever'/);
  });

  it('exits 2 for a bad config file with one line and no usage', async () => {
    const file = config('process-typo.json', { chat: true, maxClinets: 5 });
    const program = cli('bad config', ['serve', '--config', file]);
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toBe(`broadcast-chat: ${file}: unknown key 'maxClinets' (did you mean 'maxClients'?)\n`);
    expect(program.printed.stdout).toBe('');
  });

  it('exits 2 for a value only the library can check, without serving', async () => {
    const program = cli('bad guest prefix', ['serve', '--host', '127.0.0.1', '--port', '0', '--chat', '--guest-prefix', 'a-very-long-guest-prefix']);
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toMatch(/^Could not start server: guestPrefix 'a-very-long-guest-prefix'/);
    expect(program.printed.stdout).toBe('');
  });

  it('runs as `npx broadcast-chat serve` from the checkout', async (ctx) => {
    // Whether npx takes the checkout's own bin depends on npm and where the checkout is (a clone
    // under /tmp has been seen to send it to the registry instead): asked first, and said when not.
    const probe = new Spawned('npx probe', 'npx', ['--offline', 'broadcast-chat', '--version']);
    if ((await probe.waitExit(20_000)).code !== 0) {
      ctx.skip(`npx does not resolve this checkout's own bin here: ${probe.printed.stderr.split('\n')[0] ?? ''}`);
    }
    const program = new Spawned('npx', 'npx', ['--offline', 'broadcast-chat', 'serve', '--host', '127.0.0.1', '--port', '0', '--chat']);
    await program.waitFor(/Server started on 127\.0\.0\.1:\d+ \(framing: mixed, chat mode\)/, 'stdout', 20_000);
    program.type('exit\n');
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
  }, 30_000);
});
