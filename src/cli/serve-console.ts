import type { AddressInfo } from 'node:net';
import { AbortError, BroadcastHub, DEFAULT_HISTORY_REPLAY, describeSocketError, HubClosedError, ListenError, type ClusterAdapter } from '../internals.js';
import { loadClusterAdapter } from './cluster-adapter.js';
import type { ConsoleSession } from './console-session.js';
import { JsonLog } from './json-log.js';
import { LineConsole } from './line-console.js';
import { OptionalModuleError } from './optional-module.js';
import { reserveOperatorName, runOperatorLine } from './operator-console.js';
import { notice, type ServeData, type ServeHub } from './operator-context.js';
import type { ServeCommand } from './serve-args.js';
import { serveHubOptions } from './serve-hub-options.js';
import { ircHost, loadIrcEntry, serveIrc, type IrcEntry, type IrcServer } from './serve-irc.js';
import type { ServeLog, ServerInfo } from './serve-log.js';
import { serveHubMetrics } from './serve-metrics.js';
import { loadWebSocketEntry, pageUrl, serveWebPage, webHost, type WebPage, type WebSocketEntry } from './serve-web.js';
import { TextLog } from './text-log.js';
import { formatAddress, type Terminal } from './terminal.js';

/** What `startServeConsole` needs: the settings of `serve`, and the terminal it runs at. */
export type ServeConsoleOptions = Omit<ServeCommand, 'command'> & { readonly terminal: Terminal };

/** Sent to raw clients (which hear no farewell from the hub) before the server closes, so that people know why the chat ended. */
export const SHUTDOWN_NOTICE = 'Server is shutting down.';

/**
 * The documented server with its operator console: a hub on `host:port` that logs who comes
 * and goes and what they say, and sends every line typed on the terminal to every client (in
 * chat mode as the host, with the operator's slash commands). `exit`, or `stop()`, closes it
 * gracefully (clients are told, queues flushed, sockets closed) and the session ends with
 * code 0. With `--web`, the chat page and its WebSocket are served beside it, and with `--irc`
 * an IRC door; both are closed after it. The end of standard input does not stop it. The
 * console keeps nothing per client: what it prints is read off each peer when an event comes.
 */
export function startServeConsole(options: ServeConsoleOptions): ConsoleSession {
  const { terminal } = options;
  const listening = new AbortController();
  let hub: ServeHub | undefined;
  let web: WebPage | undefined;
  let irc: IrcServer | undefined;
  let log: ServeLog | undefined;
  let operatorConsole: LineConsole | undefined;
  const state = { started: false, closing: false };
  // Read through a call: shutdown() may change it during any await, which narrowing cannot see.
  const closing = (): boolean => state.closing;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const write = (line: string): void => {
    if (operatorConsole === undefined) terminal.output.write(`${line}\n`);
    else operatorConsole.print(line);
  };

  const shutdown = (code: number): void => {
    if (state.closing) {
      // Asked twice: stop waiting for clients that are slow to take their last bytes.
      for (const peer of hub?.clients ?? []) peer.destroy('shutdown');
      return;
    }
    state.closing = true;
    listening.abort();
    // Not built yet (a broker's package loading): serve() sees it and ends there.
    if (hub === undefined) return;
    if (state.started) {
      log?.stopping();
      // The hub tells line and JSON clients itself (`* server shutting down; reconnect in N s`,
      // or a `bye`), once; raw clients, such as the documented client.py, only hear this. To
      // this server's clients only: in a cluster the other servers go on.
      for (const peer of hub.clients) if (peer.framing === 'raw') peer.send(SHUTDOWN_NOTICE);
    }
    // The hub says goodbye to every client, its WebSockets and IRC users too; then the page's
    // server and the IRC door go.
    void hub.close().then(async () => {
      await Promise.all([web?.close(), irc?.close()]);
      operatorConsole?.close();
      if (state.started) log?.closed();
      finish(code);
    });
  };

  const fail = (message: string, code: number): number => {
    terminal.errors.write(`${message}\n`);
    log?.failed(message);
    return code;
  };

  const serve = async (): Promise<number> => {
    let adapter: ClusterAdapter | undefined;
    let webEntry: WebSocketEntry | undefined;
    let ircEntry: IrcEntry | undefined;
    try {
      // The optional packages first, so that a missing one stops the server before it listens.
      webEntry = await loadWebSocketEntry(options);
      ircEntry = await loadIrcEntry(options);
      adapter = await loadClusterAdapter(options);
    } catch (error) {
      if (error instanceof OptionalModuleError) return fail(`Could not start server: ${error.message}`, 1);
      throw error;
    }
    if (closing()) return 0;
    let built: ServeHub;
    try {
      built = new BroadcastHub<string | Buffer, ServeData>(serveHubOptions(options, adapter));
    } catch (error) {
      // A value the library refuses that the command line could not check (a guest prefix too long, say).
      if (error instanceof TypeError || error instanceof RangeError) return fail(`Could not start server: ${error.message}`, 2);
      throw error;
    }
    hub = built;
    const chat = built.isChat;
    const events: ServeLog = options.log === 'json' ? new JsonLog(write) : new TextLog(write, chat, built.defaultRoom);
    log = events;
    const info = serverInfo(built);
    if (chat) reserveOperatorName(built);
    watch(built, events, info, options.motd, (error) => {
      fail(`Server error: ${error.message}`, 1);
      shutdown(1);
    });

    let address: AddressInfo;
    try {
      address = await built.listen({ host: options.host, port: options.port, signal: listening.signal });
    } catch (error) {
      // Stopped while binding: shutdown() closes the hub and finishes.
      if (error instanceof AbortError || error instanceof HubClosedError) return finished;
      const reason = error instanceof ListenError ? describeSocketError(error.cause) : describeSocketError(error);
      const code = fail(`Could not start server on ${formatAddress(options.host, options.port)}: ${reason}`, 1);
      // The hub may hold a broker connection already.
      state.closing = true;
      await built.close();
      return code;
    }
    if (webEntry !== undefined && options.web !== undefined) {
      try {
        web = await serveWebPage(webEntry, built, { ...options, web: options.web }, events, listening.signal);
      } catch (error) {
        // By code: run from a checkout through tsx, the page's errors are the built package's classes, not these.
        const code = (error as { code?: unknown }).code;
        if (code === 'ERR_ABORTED') return finished;
        const reason = describeSocketError(code === 'ERR_LISTEN_FAILED' ? (error as Error).cause : error);
        const failed = fail(`Could not start the chat page on ${formatAddress(webHost(options), options.web)}: ${reason}`, 1);
        state.closing = true;
        await built.close();
        return failed;
      }
    }
    if (ircEntry !== undefined && options.irc !== undefined) {
      try {
        irc = await serveIrc(ircEntry, built, { ...options, irc: options.irc }, listening.signal);
      } catch (error) {
        // By code, as for the page: the door's errors are the built package's classes.
        const code = (error as { code?: unknown }).code;
        if (code === 'ERR_ABORTED') return finished;
        const reason = describeSocketError(code === 'ERR_LISTEN_FAILED' ? (error as Error).cause : error);
        const failed = fail(`Could not start the IRC door on ${formatAddress(ircHost(options), options.irc)}: ${reason}`, 1);
        state.closing = true;
        await built.close();
        await web?.close();
        return failed;
      }
    }
    let metricsAddress: AddressInfo | undefined;
    if (options.metrics !== undefined) {
      try {
        metricsAddress = (await serveHubMetrics(built, options.metrics, options.host)).address;
      } catch (error) {
        const reason = error instanceof OptionalModuleError ? error.message : describeSocketError((error as { cause?: unknown }).cause ?? error);
        const failed = fail(`Could not start the metrics server on ${formatAddress(options.host, options.metrics)}: ${reason}`, 1);
        state.closing = true;
        await built.close();
        await Promise.all([web?.close(), irc?.close()]);
        return failed;
      }
    }
    state.started = true;
    events.started(address, info);
    if (web !== undefined) events.webStarted(web.address(), pageUrl(web));
    const ircAddress = irc?.address();
    if (ircAddress !== undefined && ircAddress !== null) events.ircStarted(ircAddress, options.tls !== undefined);
    if (metricsAddress !== undefined) events.metricsStarted(metricsAddress);
    events.hint(
      chat
        ? "Type a message to say it to everyone as host, or /help for the operator's commands; 'exit' stops the server."
        : "Type a message to send it to every client; 'exit' stops the server.",
    );
    if (!closing()) {
      const context = { hub: built, log: events, chat, stop: () => { shutdown(0); } };
      operatorConsole = new LineConsole(terminal, '', {
        line: (line) => {
          runOperatorLine(line, context);
          operatorConsole?.prompt();
        },
        end: () => {
          if (!state.closing) events.inputClosed();
        },
        interrupt: () => {
          shutdown(0);
        },
      });
      operatorConsole.prompt();
    }
    return finished;
  };

  const serverInfo = (built: ServeHub): ServerInfo => {
    const broker = options.redis === undefined ? (options.nats === undefined ? undefined : 'nats') : 'redis';
    const adapter = built.adapter;
    const kept = options.history ?? 0;
    return {
      framing: built.framing,
      chat: built.isChat,
      history: kept === 0 ? undefined : { messages: kept, replayOnJoin: Math.min(kept, options.historyReplay ?? DEFAULT_HISTORY_REPLAY) },
      cluster:
        broker === undefined || adapter === undefined
          ? undefined
          : { broker, url: options.redis ?? options.nats ?? '', prefix: options.prefix ?? 'broadcast-chat', hubId: adapter.hubId },
    };
  };

  return {
    done: serve(),
    stop: () => {
      shutdown(0);
    },
  };
}

/** Logs the hub's events, and greets clients with the message of the day. */
function watch(hub: ServeHub, log: ServeLog, info: ServerInfo, motd: string | undefined, failed: (error: Error) => void): void {
  const chat = hub.isChat;
  const greet = motd === undefined ? undefined : motdSender(motd, chat);
  // A `mixed` client may speak JSON: nothing can be written to it before its first message says which.
  const greetOnFirstMessage = greet !== undefined && hub.framing === 'mixed';
  hub.on('connect', (peer) => {
    log.connected(peer);
    // After the hub's own welcome, which follows this event. IRC users have it in their welcome, as the MOTD.
    if (greet !== undefined && !greetOnFirstMessage && peer.framing !== 'irc') {
      queueMicrotask(() => {
        greet(peer);
      });
    }
  });
  hub.on('message', (message, peer) => {
    log.message(peer, typeof message === 'string' ? message : message.toString('utf8'));
    if (greetOnFirstMessage && peer.data.motdSent !== true && peer.framing !== 'irc') {
      peer.data.motdSent = true;
      greet(peer);
    }
  });
  hub.on('disconnect', (peer, reason, error) => {
    log.disconnected(peer, reason, error);
  });
  hub.on('refused', (address, reason) => {
    log.refused(address, reason);
  });
  hub.on('slowConsumer', (peer, queuedBytes) => {
    log.slowConsumer(peer, queuedBytes);
  });
  hub.on('clientError', (error, peer) => {
    log.clientError(peer, error);
  });
  hub.on('tlsClientError', (error, remote) => {
    log.tlsError(remote, error);
  });
  if (chat) {
    hub.on('join', (peer, room) => {
      log.joined(peer, room);
    });
    hub.on('leave', (peer, room) => {
      log.left(peer, room);
    });
    hub.on('nick', (peer, previous) => {
      log.renamed(peer, previous);
    });
    // Whoever moderates (the console, an operator among the clients), the log says it once.
    hub.on('kick', (peer, room, by, reason) => {
      log.kicked(peer, room, by, reason);
    });
    hub.on('ban', (entry) => {
      log.banned(entry);
    });
    hub.on('unban', (entry) => {
      log.unbanned(entry);
    });
    hub.on('mute', (peer, expiresAt, by) => {
      log.muted(peer, expiresAt, by);
    });
    hub.on('unmute', (peer) => {
      log.unmuted(peer);
    });
    hub.on('topic', (room, topic, by) => {
      log.topicChanged(room, topic, by);
    });
    hub.on('operator', (peer, operator) => {
      log.operatorChanged(peer, operator);
    });
  }
  const cluster = info.cluster;
  if (cluster !== undefined) {
    hub.on('adapterStatus', (status) => {
      log.clusterStatus(status, cluster);
    });
    hub.on('adapterError', (error) => {
      log.clusterError(error, cluster, hub.adapter?.status !== 'connected');
    });
  }
  hub.on('error', failed);
}

/** Sends the message of the day, line by line: as notices in chat mode, verbatim otherwise. */
function motdSender(motd: string, chat: boolean): (peer: Parameters<typeof notice>[0]) => void {
  const lines = motd.split(/\r?\n/).filter((line) => line !== '');
  return (peer) => {
    for (const line of lines) {
      if (chat) notice(peer, line);
      else peer.send(line);
    }
  };
}
