import { JsonChatClient } from '../internals.js';
import type { ChatEvent } from '../protocol/envelope.js';
import { chatPrompt, directEvent, messageEvent, renderChatEvent } from './connect-chat-view.js';
import { clientTarget, clientTls, type ChatLink, type LinkEvents, type LinkOptions } from './connect-link.js';

/**
 * The terminal client over the JSON protocol (`--json`), with `JsonChatClient`: shows the
 * chat as a chat hub renders it for text clients (`alice: hi`, `[dev] alice: hi`, notices
 * as `* ...`), sends what is typed as chat text (slash commands included, which the hub
 * runs), and relies on the client to take its nickname and rooms back after a reconnection.
 */
export class JsonChatLink implements ChatLink {
  private readonly client: JsonChatClient;
  private readonly events: LinkEvents;
  private readonly room: string | undefined;
  /** The room every client starts in: the first welcome's. */
  private defaultRoom = '';
  private shownPrompt = '';

  constructor(options: LinkOptions, events: LinkEvents) {
    this.events = events;
    this.room = options.room;
    this.client = new JsonChatClient({
      ...clientTarget(options),
      ...(options.nick === undefined ? {} : { nick: options.nick }),
      reconnect: options.reconnect !== false,
      ...clientTls(options),
    });
    const client = this.client;
    const show = (event: ChatEvent): void => {
      if (this.defaultRoom === '' && event.type === 'system' && event.room !== undefined) this.defaultRoom = event.room;
      events.print(renderChatEvent(event, this.defaultRoom));
      this.updatePrompt();
    };
    client.on('message', (message) => {
      show(messageEvent(message));
    });
    client.on('direct', (message) => {
      show(directEvent(message));
    });
    client.on('join', show);
    client.on('leave', show);
    client.on('nick', show);
    client.on('system', show);
    client.on('refused', show);
    client.on('error', (error) => {
      events.print(`(a message from the server was dropped: ${error.message})`);
    });
    client.on('bye', (bye) => {
      events.farewell(bye);
    });
    client.on('disconnect', (reason, error) => {
      events.disconnect(reason, error);
    });
    client.on('reconnecting', (_attempt, delayMs, error) => {
      events.reconnecting(delayMs, error);
    });
    client.on('reconnect', () => {
      events.reconnect();
      this.updatePrompt();
    });
    client.on('unsent', (envelopes) => {
      events.unsent(envelopes.length);
    });
    client.on('end', (error) => {
      events.end(error);
    });
  }

  get prompt(): string {
    return chatPrompt(this.client.nick, this.client.room, this.defaultRoom);
  }

  /** A JSON hub is a chat hub. */
  readonly isChat = true;

  get isReconnecting(): boolean {
    return this.client.isReconnecting;
  }

  async connect(signal: AbortSignal): Promise<void> {
    // The signal stops the connection, not the wait for the hub's welcome that follows: closing does.
    const stop = (): void => {
      void this.client.close();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      await this.client.connect({ signal });
    } finally {
      signal.removeEventListener('abort', stop);
    }
    if (this.room !== undefined) this.client.join(this.room);
  }

  send(line: string): boolean {
    return this.client.send(line);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Tells the console when the prompt (nickname, room) has changed. */
  private updatePrompt(): void {
    const prompt = this.prompt;
    if (prompt === this.shownPrompt) return;
    this.shownPrompt = prompt;
    this.events.prompt(prompt);
  }
}
