import type { Subcommand } from './flags.js';
import { SERVE_SETTINGS, SETTING_KEYS, type SettingGroup } from './serve-settings.js';

/** The name the CLI is installed under. */
export const PROGRAM = 'broadcast-chat';

const serveHelp = (invocation: string): string => `Usage: ${invocation} [--host HOST] [--port PORT] [--chat] [OPTIONS]

Runs a chat server with an operator console. By default it relays each client's
message to every other client, like the documented server2.py; --chat adds
nicknames, rooms and commands, --history N the rooms' last messages, --web PORT
a chat page for browsers and --irc PORT a door for IRC clients, in the same
chat. Each line typed here goes to every client; 'exit' stops the server.
In chat mode lines are said as host, and the operator's commands are /who,
/rooms, /say, /msg, /kick, /ban, /unban, /bans, /mute, /unmute, /topic, /op,
/deop and /help. --operator NAME=HASH gives clients an operator account for
/oper NAME PASSWORD; make the HASH with '${PROGRAM} hash-password'.

${serveOptions()}
Each setting is also read from the environment, as BROADCAST_CHAT_ and its flag
in capitals (BROADCAST_CHAT_MAX_CLIENTS=100; HOST and PORT too), and from the
--config file (or $BROADCAST_CHAT_CONFIG): a JSON object of settings named in
camelCase, such as {"chat": true, "maxClients": 100}. A flag wins over the
environment, which wins over the file. --no-chat, --no-echo and --no-raw-notices
turn off what the environment or the file turned on; --no-command-rate lifts the
limit on commands. --web-origin and --operator may be repeated. TIME is
milliseconds, or 30s, 5m, 1h; BYTES is bytes, or 64k, 4m (K, M and G are powers
of 1024).
`;

const SERVE_GROUPS: readonly (readonly [SettingGroup, string])[] = [
  ['listening', 'Listening'],
  ['chat', 'Chat'],
  ['cluster', 'Cluster (several servers, on one machine or many, as one chat)'],
  ['web', 'Browsers (a chat page and its WebSocket, beside the TCP port; needs ws)'],
  ['irc', 'IRC clients (irssi, WeeChat, bots, beside the TCP port)'],
  ['limits', "Limits (each sets the library's option of the same name)"],
  ['output', 'Output'],
];

const FLAG_COLUMN = 32;
const WIDTH = 80;

/** The options of serve, from the settings table, so that the help lists every one with its default. */
function serveOptions(): string {
  let text = '';
  for (const [group, title] of SERVE_GROUPS) {
    text += `${text === '' ? '' : '\n'}${title}:\n`;
    for (const key of SETTING_KEYS) {
      const setting = SERVE_SETTINGS[key];
      if (setting.group !== group) continue;
      const flag = `${setting.short === undefined ? '    ' : `-${setting.short}, `}--${setting.flag}${setting.placeholder === undefined ? '' : ` ${setting.placeholder}`}`;
      text += option(flag, `${setting.help}${setting.fallback === undefined ? '' : ` (default ${setting.fallback})`}`);
    }
    if (group === 'output') text += option('    --config FILE', 'read settings from a JSON file (see below)');
  }
  text += option('-h, --help', 'show this help');
  text += option('-v, --version', 'show the version');
  return text;
}

/** One option of the help: the flag, then its description wrapped in a column of its own. */
function option(flag: string, description: string): string {
  const lead = `  ${flag}`;
  const lines: string[] = [];
  let line = '';
  for (const word of description.split(' ')) {
    if (line !== '' && FLAG_COLUMN + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  const indent = ' '.repeat(FLAG_COLUMN);
  const first = lead.length < FLAG_COLUMN - 1 ? `${lead.padEnd(FLAG_COLUMN)}${lines.shift() ?? ''}` : `${lead}\n${indent}${lines.shift() ?? ''}`;
  return `${[first, ...lines.map((rest) => `${indent}${rest}`)].join('\n')}\n`;
}

const connectHelp = (invocation: string): string => `Usage: ${invocation} [HOST] [PORT] [OPTIONS]
       ${invocation} HOST:PORT | [IPV6]:PORT | --socket PATH [OPTIONS]

Chats with a server, like the documented client.py: type a line to send it;
'exit' leaves. A lost connection is taken back, after a short wait or when the
server said to come back, with the nickname and room.

Options:
      --host HOST      server address (default 127.0.0.1)
  -p, --port PORT      server port (default 8000)
      --socket PATH    connect to the server's Unix socket instead
  -f, --framing NAME   auto (default): line, or raw if the server speaks raw;
                       line; raw
      --json           speak the JSON protocol (a server framing json or mixed)
      --nick NAME      take this nickname (on a chat server)
      --room NAME      join this room and talk there (on a chat server)
      --no-reconnect   end when the connection is lost, as client.py does
      --tls            connect over TLS, verifying the server's certificate
      --ca FILE        trust this PEM CA (a self-signed server's certificate);
                       implies --tls. --tls-ca FILE is the same
  -h, --help           show this help
  -v, --version        show the version
`;

const hashPasswordHelp = (invocation: string): string => `Usage: ${invocation}

Reads an operator password and prints its hash, to give to serve as
--operator NAME=HASH (or BROADCAST_CHAT_OPERATOR, or "operator" in a config
file). At a terminal the password is typed twice and not shown; otherwise the
first line of standard input is the password:

  ${PROGRAM} serve --chat --operator "ada=$(${PROGRAM} hash-password)"
  printf '%s\\n' "$PASSWORD" | ${PROGRAM} hash-password

Options:
  -h, --help           show this help
  -v, --version        show the version
`;

const mainHelp = `Usage: ${PROGRAM} serve [--host HOST] [--port PORT] [--chat] [OPTIONS]
       ${PROGRAM} connect [HOST[:PORT]] [PORT] [--nick NAME] [OPTIONS]
       ${PROGRAM} hash-password
       ${PROGRAM} --help | --version

Plain-TCP broadcast chat that nc and the documented Python server and client can join.

Commands:
  serve      run a server on 0.0.0.0:8000; type lines to broadcast them, 'exit' to stop;
             --chat for nicknames, rooms and commands, --web PORT for a chat page
             in browsers, --irc PORT for IRC clients, --redis URL to share the
             chat between servers
  connect    chat with a server, by default 127.0.0.1:8000; 'exit' to leave
  hash-password
             read an operator password, print the hash for serve --operator

Run '${PROGRAM} serve --help', '${PROGRAM} connect --help' or
'${PROGRAM} hash-password --help' for their options.
`;

/**
 * The help text for the whole CLI or one subcommand. `invocation` is how the subcommand is
 * run (`broadcast-chat serve`, or `examples/server.ts` for the example scripts).
 */
export function usage(topic?: Subcommand, invocation = topic === undefined ? PROGRAM : `${PROGRAM} ${topic}`): string {
  if (topic === 'serve') return serveHelp(invocation);
  if (topic === 'hash-password') return hashPasswordHelp(invocation);
  if (topic === 'connect') return connectHelp(invocation);
  return mainHelp;
}
