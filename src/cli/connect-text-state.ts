/**
 * What a text client of a chat hub can tell about itself from the hub's notices, rendered
 * by the default formatter: its nickname and rooms (for the prompt), and what to ask for
 * again after a reconnection. A hub with a formatter of its own leaves it knowing less, and
 * the client then works as a plain one.
 */
const WELCOME = /^\* welcome, (\S+): you are in (\S+); \/help lists the commands$/;
const RENAMED = /^\* (\S+) is now known as (\S+)$/;
const JOINED = /^\* (\S+) joined (\S+)$/;
const LEFT = /^\* (\S+) left (\S+)(?: \(.*\))?$/;
const TALKING = /^\* you are now talking in (\S+)$/;

/** A text chat client's nickname and rooms, followed from the hub's notices. */
export class TextChatState {
  /** The nickname, once welcomed. */
  nick = '';
  /** The room talked in. */
  room = '';
  /** The room every client starts in (the first welcome's). */
  defaultRoom = '';
  /** The nickname this client chose (`--nick`, or a rename the hub confirmed): asked for again after a reconnection. */
  chosenNick: string | undefined;
  private readonly rooms = new Set<string>();
  /** Whether this connection has been welcomed: a second welcome is someone's chat text. */
  private welcomed = false;

  constructor(nick: string | undefined) {
    this.chosenNick = nick;
  }

  /** Whether a chat hub has welcomed this client, on this connection or an earlier one. */
  get isChat(): boolean {
    return this.defaultRoom !== '';
  }

  /** A new connection: the hub will welcome it again. */
  reset(): void {
    this.welcomed = false;
  }

  /** Reads one line from the hub; returns whether it changed the nickname or room. */
  read(line: string): boolean {
    const before = `${this.nick} ${this.room}`;
    const welcome = this.welcomed ? null : WELCOME.exec(line);
    if (welcome !== null) {
      this.welcomed = true;
      this.nick = welcome[1] ?? '';
      this.room = welcome[2] ?? '';
      if (this.defaultRoom === '') this.defaultRoom = this.room;
      this.rooms.clear();
      this.rooms.add(this.room);
    } else if (this.welcomed) {
      this.follow(line);
    }
    return `${this.nick} ${this.room}` !== before;
  }

  /**
   * The commands that put a new connection back where this one was: the chosen nickname,
   * the rooms (the one talked in last, so that it is current again), and leaving the
   * default room if this client had left it.
   */
  restoreCommands(): string[] {
    const commands: string[] = [];
    if (this.chosenNick !== undefined) commands.push(`/nick ${this.chosenNick}`);
    if (this.defaultRoom === '') return commands;
    const current = this.room;
    const others = [...this.rooms].filter((room) => room !== this.defaultRoom && room !== current);
    for (const room of others) commands.push(`/join ${room}`);
    // Joining makes a room current: the one talked in goes last (for the default room, which
    // the welcome put this client in, that switches back to it).
    if (current !== '' && (current !== this.defaultRoom || others.length > 0)) commands.push(`/join ${current}`);
    if (!this.rooms.has(this.defaultRoom) && this.rooms.size > 0) commands.push(`/leave ${this.defaultRoom}`);
    return commands;
  }

  private follow(line: string): void {
    const renamed = RENAMED.exec(line);
    if (renamed !== null) {
      if (renamed[1] === this.nick && renamed[2] !== undefined) {
        this.nick = renamed[2];
        this.chosenNick = renamed[2];
      }
      return;
    }
    const joined = JOINED.exec(line);
    if (joined !== null) {
      if (joined[1] === this.nick && joined[2] !== undefined) {
        this.rooms.add(joined[2]);
        this.room = joined[2];
      }
      return;
    }
    const left = LEFT.exec(line);
    if (left !== null) {
      if (left[1] === this.nick && left[2] !== undefined) {
        this.rooms.delete(left[2]);
        if (this.room === left[2]) this.room = [...this.rooms].at(-1) ?? '';
      }
      return;
    }
    const talking = TALKING.exec(line);
    if (talking?.[1] !== undefined && this.rooms.has(talking[1])) this.room = talking[1];
  }
}
