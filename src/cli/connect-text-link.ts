import { ChatClient } from '../internals.js';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { chatPrompt, PLAIN_PROMPT } from './connect-chat-view.js';
import { clientTarget, clientTls, type ChatLink, type LinkEvents, type LinkOptions } from './connect-link.js';
import { TextChatState } from './connect-text-state.js';
import { printable } from './terminal.js';

/** What `TextChatLink` needs beyond `LinkOptions`. */
export interface TextLinkOptions extends LinkOptions {
  readonly framing: TextFramingName;
}

/**
 * A text hub says why it closes in one last line (`* server shutting down; reconnect in 7 s`).
 * Such a line is held back this long (ms): if the connection closes meanwhile it was the
 * hub's farewell, told once in the line for the loss; otherwise it is shown as it came.
 */
const FAREWELL_HOLD_MS = 2000;
const FAREWELL_LINE = /^\* (?:server shutting down; |disconnected: )/;

/**
 * The terminal client over a text framing, with `ChatClient`. It starts as the documented
 * client (`Message received: <text>`) and shows the chat as a chat hub renders it (`alice:
 * hi`, notices as `* ...`) once it has a nickname or room to ask for, or the hub welcomes it.
 * It asks for its nickname and rooms again after a reconnection.
 */
export class TextChatLink implements ChatLink {
  private readonly client: ChatClient;
  private readonly events: LinkEvents;
  private readonly options: TextLinkOptions;
  private readonly state: TextChatState;
  /** Show lines as they come (a chat), rather than as `Message received: ...`. */
  private chatView: boolean;
  private held: { readonly line: string; readonly timer: NodeJS.Timeout } | undefined;

  constructor(options: TextLinkOptions, events: LinkEvents) {
    this.options = options;
    this.events = events;
    this.state = new TextChatState(options.nick);
    this.chatView = options.nick !== undefined || options.room !== undefined;
    this.client = new ChatClient({
      ...clientTarget(options),
      framing: options.framing,
      reconnect: options.reconnect !== false,
      ...clientTls(options),
      restore: (send) => {
        for (const command of this.state.restoreCommands()) send(command);
        return Promise.resolve();
      },
    });
    const client = this.client;
    client.on('message', (message) => {
      this.receive(message);
    });
    client.on('error', (error) => {
      this.events.print(`(a message from the server was dropped: ${error.message})`);
    });
    client.on('bye', (bye) => {
      // The farewell line held back is this: it is told with the loss.
      this.drop();
      events.farewell(bye);
    });
    client.on('disconnect', (reason, error) => {
      this.release();
      this.state.reset();
      events.disconnect(reason, error);
    });
    client.on('reconnecting', (_attempt, delayMs, error) => {
      events.reconnecting(delayMs, error);
    });
    client.on('reconnect', () => {
      events.reconnect();
    });
    client.on('unsent', (messages) => {
      events.unsent(messages.length);
    });
    client.on('end', (error) => {
      this.release();
      events.end(error);
    });
  }

  get prompt(): string {
    if (!this.chatView) return PLAIN_PROMPT;
    return chatPrompt(this.state.nick, this.state.room, this.state.defaultRoom);
  }

  get isChat(): boolean {
    return this.state.isChat;
  }

  get isReconnecting(): boolean {
    return this.client.isReconnecting;
  }

  async connect(signal: AbortSignal): Promise<void> {
    await this.client.connect({ signal });
    const { nick, room } = this.options;
    if (nick !== undefined) this.client.send(`/nick ${nick}`);
    if (room !== undefined) this.client.send(`/join ${room}`);
  }

  send(line: string): boolean {
    return this.client.send(line);
  }

  async close(): Promise<void> {
    this.release();
    await this.client.close();
  }

  private receive(message: string): void {
    this.release();
    if (FAREWELL_LINE.test(message)) {
      const timer = setTimeout(() => {
        this.release();
      }, FAREWELL_HOLD_MS);
      timer.unref();
      this.held = { line: message, timer };
      return;
    }
    this.show(message);
  }

  private show(message: string): void {
    const changed = this.state.read(message);
    // A chat hub's welcome: from here on, show the chat as one.
    const wasChat = this.chatView;
    if (this.state.isChat) this.chatView = true;
    this.events.print(this.chatView ? printable(message) : `Message received: ${printable(message)}`);
    if (changed || wasChat !== this.chatView) this.events.prompt(this.prompt);
  }

  /** Shows the line held back, if any. */
  private release(): void {
    const held = this.held;
    if (held === undefined) return;
    this.drop();
    this.show(held.line);
  }

  private drop(): void {
    if (this.held !== undefined) clearTimeout(this.held.timer);
    this.held = undefined;
  }
}
