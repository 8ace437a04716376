import type { ConnectionOptions } from 'node:tls';
import type { HubBye } from '../protocol/control-frames.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';

/** Where and how a chat link connects: the parts of `connect`'s command line it uses. */
export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  /** A Unix socket instead of `host` and `port`. */
  readonly path?: string | undefined;
  readonly nick?: string | undefined;
  readonly room?: string | undefined;
  /** `false`: end when the connection is lost. Reconnects otherwise. */
  readonly reconnect?: false | undefined;
  readonly tls?: { readonly ca?: Buffer } | undefined;
}

/** What a chat link tells the console. */
export interface LinkEvents {
  /** A line to show above the prompt. */
  print(line: string): void;
  /** The prompt should now read `prompt` (the nickname or room changed). */
  prompt(prompt: string): void;
  /** The hub said why it is closing the connection. */
  farewell(bye: HubBye): void;
  disconnect(reason: DisconnectReason, error?: Error): void;
  reconnecting(delayMs: number, error: Error): void;
  reconnect(): void;
  /** The client stopped for good; see `ChatClientEvents.end`. */
  end(error?: Error): void;
  /** Lines typed while disconnected that will never be sent. */
  unsent(count: number): void;
}

/**
 * The terminal client's connection, whichever protocol it speaks (text lines, or JSON): it
 * connects, sends what the user types, and turns what arrives into lines and events for the
 * console. See `TextChatLink` and `JsonChatLink`.
 */
export interface ChatLink {
  /** Connects once; rejects as the client's `connect()` does. */
  connect(signal: AbortSignal): Promise<void>;
  /**
   * Sends a line the user typed. Returns `false` when it waits for the connection to come
   * back. Throws as the client's `send()` does (`OfflineQueueFullError`, `NotConnectedError`).
   */
  send(line: string): boolean;
  /** Ends the connection (or the reconnecting), flushing what was typed. */
  close(): Promise<void>;
  /** The prompt to show now. */
  readonly prompt: string;
  /** Whether the hub is a chat hub (nicknames, rooms, slash commands), as far as the link knows. */
  readonly isChat: boolean;
  readonly isReconnecting: boolean;
}

/** The TLS options of a client, if `LinkOptions.tls` asks for TLS. */
export function clientTls(options: LinkOptions): { tls?: ConnectionOptions } {
  const { tls } = options;
  if (tls === undefined) return {};
  return { tls: tls.ca === undefined ? {} : { ca: tls.ca } };
}

/** Where a client connects: the socket's `path`, or `host` and `port`. */
export function clientTarget(options: LinkOptions): { path: string } | { host: string; port: number } {
  return options.path === undefined ? { host: options.host, port: options.port } : { path: options.path };
}
