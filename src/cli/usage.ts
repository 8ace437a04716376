/** The name the CLI is installed under. */
export const PROGRAM = 'broadcast-chat';

const serveHelp = (invocation: string): string => `Usage: ${invocation} [--host HOST] [--port PORT] [--framing auto|line|raw]

Relays every client's message to every other client, like the documented server2.py.
Each line typed here is sent to every client; 'exit' stops the server.

Options:
      --host HOST      address to listen on (default $HOST or 0.0.0.0)
  -p, --port PORT      port to listen on, 0 for any free one (default $PORT or 8000)
  -f, --framing NAME   auto (default): line or raw per client, detected; line; raw
      --flood B:R[:P]  flood control per client: a burst of B messages, then R per
                       second; P is slow (default: hold back), drop or disconnect.
                       Off by default
      --tls-key FILE   serve over TLS (1.2 or later) with this PEM private key...
      --tls-cert FILE  ...and this PEM certificate; both are needed
  -h, --help           show this help
  -v, --version        show the version
`;

const connectHelp = (invocation: string): string => `Usage: ${invocation} [HOST] [PORT] [--framing auto|line|raw]

Chats with a server, like the documented client.py: type a line to send it; 'exit' leaves.

Options:
      --host HOST      server address (default 127.0.0.1)
  -p, --port PORT      server port (default 8000)
  -f, --framing NAME   auto (default): line, or raw if the server speaks raw; line; raw
      --tls            connect over TLS, verifying the server's certificate
      --tls-ca FILE    trust this PEM CA (a self-signed server's certificate); implies --tls
  -h, --help           show this help
  -v, --version        show the version
`;

const mainHelp = `Usage: ${PROGRAM} serve [--host HOST] [--port PORT] [--framing auto|line|raw]
       ${PROGRAM} connect [HOST] [PORT] [--framing auto|line|raw]
       ${PROGRAM} --help | --version

Plain-TCP broadcast chat that nc and the documented Python server and client can join.

Commands:
  serve      run a server on 0.0.0.0:8000; type lines to broadcast them, 'exit' to stop
  connect    chat with a server, by default 127.0.0.1:8000; 'exit' to leave

Run '${PROGRAM} serve --help' or '${PROGRAM} connect --help' for their options.
`;

/**
 * The help text for the whole CLI or one subcommand. `invocation` is how the subcommand is
 * run (`broadcast-chat serve`, or `examples/server.ts` for the example scripts).
 */
export function usage(topic?: 'serve' | 'connect', invocation = topic === undefined ? PROGRAM : `${PROGRAM} ${topic}`): string {
  if (topic === 'serve') return serveHelp(invocation);
  if (topic === 'connect') return connectHelp(invocation);
  return mainHelp;
}
