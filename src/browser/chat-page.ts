/// <reference lib="dom" />
/**
 * The chat page's script (web/index.html loads it as chat-page.js). Everything the hub sends
 * reaches the page through `textContent` only: a message, nickname or room name is text, never
 * HTML, whatever it holds.
 */
import type { LeaveEnvelope, SystemEnvelope, TopicEnvelope } from '../protocol/envelope.js';
import { BrowserChatClient, BrowserChatError, type ChatMessage, type DirectMessage } from './browser-chat-client.js';

/** The most lines the log keeps; older ones are dropped, so a long session stays light. */
const MAX_LOG_LINES = 1000;
const NICK_KEY = 'broadcast-chat.nick';
const DRAFT_KEY = 'broadcast-chat.draft';

function element<E extends HTMLElement>(id: string, kind: new () => E): E {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`the chat page has no #${id} of the right kind`);
  return found;
}

const log = element('log', HTMLOListElement);
const status = element('status', HTMLParagraphElement);
const retry = element('retry', HTMLButtonElement);
const roomName = element('room-name', HTMLSpanElement);
const topicLine = element('topic', HTMLParagraphElement);
const topicText = element('topic-text', HTMLSpanElement);
const peopleRoom = element('people-room', HTMLSpanElement);
const peopleCount = element('people-count', HTMLSpanElement);
const peopleList = element('people', HTMLUListElement);
const roomList = element('rooms', HTMLUListElement);
const form = element('composer', HTMLFormElement);
const draft = element('draft', HTMLInputElement);
const note = element('draft-note', HTMLParagraphElement);

const params = new URLSearchParams(location.search);
const pageTitle = document.title;
const wantedNick = params.get('nick') ?? storage(NICK_KEY);
const websocketPath = document.querySelector('meta[name="broadcast-chat-websocket"]')?.getAttribute('content') ?? 'ws';

/** Who is in each room this page has looked at, as the hub reported and announced it. */
const members = new Map<string, Set<string>>();
/** `/who` answers the page asked for itself, which it reads rather than shows. */
let whoPending = 0;
/**
 * What this page said and showed at once, oldest first: a hub that echoes (`echo: true`) sends
 * it back, and that copy is not shown twice.
 */
const shownOwn: string[] = [];
/** Each room's topic, as the hub sent it (on joining, and when an operator changes it). */
const topics = new Map<string, string>();

let client = createClient(wantedNick ?? undefined);

draft.value = storage(DRAFT_KEY) ?? '';
draft.addEventListener('input', () => {
  // An operator's password being typed is not kept in the tab's storage.
  save(DRAFT_KEY, /^\/oper\b/i.test(draft.value) ? '' : draft.value);
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = draft.value;
  if (text.trim() === '') return;
  // Not connected: the draft stays where it is, to be sent once the page is back.
  if (!client.isConnected || !client.send(text)) {
    note.textContent = 'Not connected: your message is kept here until the chat is back.';
    return;
  }
  note.textContent = '';
  draft.value = '';
  save(DRAFT_KEY, '');
  showOwn(text);
});

retry.addEventListener('click', () => {
  retry.hidden = true;
  client = createClient(client.nick === '' ? (wantedNick ?? undefined) : client.nick);
  start(client);
});

start(client);

function createClient(nick: string | undefined): BrowserChatClient {
  const created = new BrowserChatClient({ url: websocketPath, ...(nick === undefined || nick === '' ? {} : { nick }) });
  created.on('connect', (nickname, room) => {
    save(NICK_KEY, nickname);
    setStatus('connected', `connected as ${nickname}`);
    note.textContent = '';
    members.clear();
    showRoom(room);
  });
  created.on('message', showMessage);
  created.on('direct', showDirect);
  created.on('join', (event) => {
    membersOf(event.room).add(event.nick);
    if (event.nick === created.nick) {
      addNotice(`you joined ${event.room}`, event.ts);
      showRoom(event.room);
      return;
    }
    if (event.room === created.room) addNotice(`${event.nick} joined`, event.ts);
    showPeople();
  });
  created.on('leave', (event) => {
    membersOf(event.room).delete(event.nick);
    if (event.nick === created.nick) {
      topics.delete(event.room);
      addNotice(leaveText(event, true), event.ts);
    } else if (event.room === created.room) {
      addNotice(leaveText(event, false), event.ts);
    }
    showRoom(created.room);
  });
  created.on('topic', (event) => {
    topics.set(event.room, event.text);
    addNotice(topicNotice(event), event.ts);
    if (event.room === created.room) showTopic();
  });
  created.on('nick', (event) => {
    for (const set of members.values()) {
      if (set.delete(event.from)) set.add(event.nick);
    }
    addNotice(`${event.from} is now ${event.nick}`, event.ts);
    if (event.from === wantedNick || event.nick === created.nick) save(NICK_KEY, created.nick);
    if (created.isConnected) setStatus('connected', `connected as ${created.nick}`);
    showPeople();
  });
  created.on('system', (event) => {
    const who = whoAnswer(event.text);
    if (who !== undefined && event.names !== undefined && whoPending > 0) {
      whoPending -= 1;
      members.set(who, new Set(event.names));
      showPeople();
      return;
    }
    if (event.replayed !== undefined) {
      showReplayEnd(event);
      return;
    }
    addNotice(event.text, event.ts);
  });
  created.on('refused', (event) => {
    addLine('error', event.ts, undefined, event.message);
  });
  created.on('bye', (bye) => {
    addNotice(`the hub closed the connection: ${bye.message ?? bye.reason}`, Date.now());
  });
  created.on('reconnecting', (attempt, delayMs, error) => {
    const why = (error instanceof BrowserChatError ? error.reason : undefined) ?? 'lost';
    setStatus('reconnecting', `connection ${why === 'shutdown' ? 'closed: the hub is restarting' : `lost (${why})`}; reconnecting in ${Math.ceil(delayMs / 1000)} s (attempt ${attempt})…`);
  });
  created.on('end', (error) => {
    setStatus('disconnected', error === undefined ? 'disconnected' : `disconnected: ${error.message}`);
    retry.hidden = false;
  });
  return created;
}

function start(chat: BrowserChatClient): void {
  setStatus('connecting', 'connecting…');
  chat.connect().catch((error: unknown) => {
    const failure = error instanceof BrowserChatError ? error : new BrowserChatError('ERR_CONNECT_FAILED', String(error));
    // The name is someone else's now: come in as a guest rather than not at all.
    if (failure.code === 'ERR_NAME_TAKEN' || failure.code === 'ERR_INVALID_NAME') {
      addLine('error', Date.now(), undefined, `${failure.message}; joining as a guest`);
      save(NICK_KEY, '');
      client = createClient(undefined);
      start(client);
      return;
    }
    setStatus('disconnected', `cannot connect: ${failure.message}`);
    retry.hidden = false;
  });
}

/** What this page just said, shown at once: the hub sends a sender's own messages back only when it echoes. */
function showOwn(text: string): void {
  // `//text` says `/text`; `/me text` is an action; any other command is answered by the hub.
  const action = /^\/me (.*)$/s.exec(text);
  const said = text.startsWith('//') ? text.slice(1) : action?.[1] ?? (text.startsWith('/') ? undefined : text);
  if (said === undefined) return;
  shownOwn.push(said);
  if (shownOwn.length > 50) shownOwn.shift();
  addLine(action === null ? 'message mine' : 'message action mine', Date.now(), client.nick, said);
}

function showMessage(message: ChatMessage): void {
  if (message.sender === client.nick) {
    // This page's own words, shown when said: a hub that echoes sends them back next, and a
    // recovery after a reconnection sends back those said after the last message seen (a hub
    // that does not echo never sent them, so they were never seen). Shown once either way.
    const index = shownOwn.indexOf(message.text);
    if (index === 0 || (index > 0 && message.history)) {
      shownOwn.splice(0, index + 1);
      return;
    }
  }
  const kind = `${message.action ? 'message action' : 'message'}${message.history ? ' history' : ''}`;
  const line = addLine(kind, message.time.getTime(), message.sender, message.text);
  if (message.room !== client.room) {
    const room = document.createElement('span');
    room.className = 'room';
    room.textContent = message.room;
    line.insertBefore(room, line.querySelector('.sender'));
  }
  if (message.history) {
    // Replayed from the hub's history, not said now: marked in words too, for screen readers.
    const mark = document.createElement('span');
    mark.className = 'replayed';
    mark.textContent = 'replayed';
    line.insertBefore(mark, line.querySelector('.room') ?? line.querySelector('.sender'));
  }
}

/** The notice ending a replay, the hub's words, marked with whether what was missed came back. */
function showReplayEnd(event: SystemEnvelope): void {
  const line = addLine(event.recovered === false ? 'notice replay-end missed' : 'notice replay-end', event.ts, undefined, event.text);
  if (event.recovered !== undefined) line.dataset.recovered = String(event.recovered);
  if (event.reason !== undefined) line.dataset.reason = event.reason;
}

/** A leave in words: `bob left (bye)`, `bob was kicked by ada (spam)`, `you left dev`, `you were kicked from dev by ada`. */
function leaveText(event: LeaveEnvelope, own: boolean): string {
  const why = event.reason === undefined || event.reason === '' ? '' : ` (${event.reason})`;
  if (event.kicked === true) return `${own ? `you were kicked from ${event.room}` : `${event.nick} was kicked`} by ${event.by ?? 'an operator'}${why}`;
  return own ? `you left ${event.room}` : `${event.nick} left${why}`;
}

function topicNotice(event: TopicEnvelope): string {
  const by = event.by === undefined ? '' : ` (set by ${event.by})`;
  if (event.text === '') return `${event.by ?? 'an operator'} cleared the topic of ${event.room}`;
  return `topic of ${event.room}: ${event.text}${by}`;
}

/** Shows the topic of the room talked in, if it has one. */
function showTopic(): void {
  const text = topics.get(client.room) ?? '';
  topicText.textContent = text;
  topicLine.hidden = text === '';
}

function showDirect(message: DirectMessage): void {
  const to = message.sender === client.nick ? ` ${message.to}` : '';
  addLine('message direct', message.time.getTime(), `${message.sender}${to}`, message.text);
}

function addNotice(text: string, ts: number): void {
  addLine('notice', ts, undefined, text);
}

/** One line of the log, built from text nodes only. */
function addLine(kind: string, ts: number, sender: string | undefined, text: string): HTMLLIElement {
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
  const line = document.createElement('li');
  line.className = kind;
  const time = document.createElement('time');
  const date = new Date(ts);
  time.dateTime = date.toISOString();
  time.textContent = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  line.append(time);
  if (sender !== undefined) {
    const who = document.createElement('span');
    who.className = 'sender';
    who.textContent = sender;
    line.append(who);
  }
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  line.append(body);
  log.append(line);
  while (log.children.length > MAX_LOG_LINES) log.firstElementChild?.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
  return line;
}

/** Shows `room` as the one talked in, and asks the hub who is in it. */
function showRoom(room: string): void {
  roomName.textContent = room;
  showTopic();
  document.title = `#${room} · ${pageTitle}`;
  peopleRoom.textContent = room;
  roomList.replaceChildren(
    ...[...client.rooms].sort().map((each) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = each;
      button.setAttribute('aria-current', String(each === room));
      button.addEventListener('click', () => {
        if (client.isConnected && client.join(each)) showRoom(client.room);
      });
      item.append(button);
      return item;
    }),
  );
  if (room !== '' && client.isConnected && !members.has(room)) {
    whoPending += 1;
    client.command(`who ${room}`);
  }
  showPeople();
}

function showPeople(): void {
  const names = [...(members.get(client.room) ?? [])].sort((a, b) => a.localeCompare(b));
  peopleCount.textContent = names.length === 0 ? '' : `(${names.length})`;
  peopleList.replaceChildren(
    ...names.map((name) => {
      const item = document.createElement('li');
      item.textContent = name;
      if (name === client.nick) item.className = 'me';
      return item;
    }),
  );
}

function membersOf(room: string): Set<string> {
  let set = members.get(room);
  if (set === undefined) {
    set = new Set();
    members.set(room, set);
  }
  return set;
}

/** The room a `/who` answer is about (`in lobby: ada, bob`, `nobody is in dev`), or `undefined`. */
function whoAnswer(text: string): string | undefined {
  return /^in (\S+): /.exec(text)?.[1] ?? /^nobody is in (\S+)$/.exec(text)?.[1];
}

function setStatus(state: 'connecting' | 'connected' | 'reconnecting' | 'disconnected', text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

/** The tab's storage can be off (private modes, sandboxed frames; even reading `sessionStorage` throws there): the page works without it. */
function storage(key: string): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

function save(key: string, value: string): void {
  try {
    if (value === '') sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // No storage: the draft and the name live as long as the page.
  }
}
