/**
 * One IRC message split into its parts, as RFC 1459/2812 and the IRCv3 message-tags
 * specification lay a line out: `[@tags] [:source] VERB [params...] [:trailing]`.
 */
export interface IrcMessage {
  /** The IRCv3 tags, unescaped; a tag sent without a value is `''`. A null-prototype object. */
  readonly tags: Readonly<Record<string, string>>;
  /** Who sent it, without the leading `:`; `undefined` when the line has none. */
  readonly source: string | undefined;
  /** The command or numeric as sent: compare it upper-cased. */
  readonly verb: string;
  /** The parameters, the trailing one included (without its `:`). */
  readonly params: readonly string[];
}

const SPACE = 0x20;
const COLON = 0x3a;
const AT = 0x40;

/**
 * Splits one line (without its line ending) into an `IrcMessage`, or returns `undefined` for a
 * line with no command (empty, spaces only, or tags and a source with nothing after). Atoms
 * are separated by one or more spaces, as RFC 1459 has it; a tab is not a separator. Never
 * throws: every string gives a message or `undefined`.
 */
export function parseIrcLine(line: string): IrcMessage | undefined {
  const length = line.length;
  let at = skipSpaces(line, 0);
  let tags: Record<string, string> = Object.create(null) as Record<string, string>;
  if (line.charCodeAt(at) === AT) {
    const end = line.indexOf(' ', at);
    if (end === -1) return undefined;
    tags = parseTags(line.slice(at + 1, end));
    at = skipSpaces(line, end);
  }
  let source: string | undefined;
  if (line.charCodeAt(at) === COLON) {
    const end = line.indexOf(' ', at);
    if (end === -1) return undefined;
    source = line.slice(at + 1, end);
    at = skipSpaces(line, end);
  }
  if (at >= length) return undefined;
  let end = line.indexOf(' ', at);
  if (end === -1) end = length;
  const verb = line.slice(at, end);
  const params: string[] = [];
  at = end;
  for (;;) {
    at = skipSpaces(line, at);
    if (at >= length) break;
    if (line.charCodeAt(at) === COLON) {
      params.push(line.slice(at + 1));
      break;
    }
    end = line.indexOf(' ', at);
    if (end === -1) end = length;
    params.push(line.slice(at, end));
    at = end;
  }
  return { tags, source, verb, params };
}

/**
 * Joins the parts of a message into one line, without its line ending. The last parameter
 * is written as a trailing one (`:text`) when it must be: empty, holding a space, or starting
 * with `:`. CR, LF and NUL, which would end or cut the line, become spaces wherever they are,
 * so no parameter can smuggle in a second line. Throws a `TypeError` for a verb that is not a
 * single word, or a parameter other than the last that is empty, holds a space or starts with
 * `:` (no line could carry it).
 */
export function serializeIrcMessage(message: { readonly tags?: Readonly<Record<string, string>> | undefined; readonly source?: string | undefined; readonly verb: string; readonly params?: readonly string[] | undefined }): string {
  const verb = lineSafe(message.verb);
  if (verb === '' || verb.includes(' ') || verb.charCodeAt(0) === COLON) throw new TypeError(`an IRC verb must be one word, got ${JSON.stringify(message.verb)}`);
  let line = '';
  const tags = message.tags === undefined ? '' : serializeTags(message.tags);
  if (tags !== '') line += `@${tags} `;
  if (message.source !== undefined && message.source !== '') line += `:${lineSafe(message.source).replaceAll(' ', '_')} `;
  line += verb;
  const params = message.params ?? [];
  const last = params.length - 1;
  for (let index = 0; index < params.length; index += 1) {
    const param = lineSafe(params[index] ?? '');
    if (index === last) {
      line += param === '' || param.includes(' ') || param.charCodeAt(0) === COLON ? ` :${param}` : ` ${param}`;
    } else {
      if (param === '' || param.includes(' ') || param.charCodeAt(0) === COLON) {
        throw new TypeError(`IRC parameter ${index + 1} of ${params.length} cannot be empty, hold a space or start with ':', got ${JSON.stringify(param)}`);
      }
      line += ` ${param}`;
    }
  }
  return line;
}

/**
 * The tags of a message as they are written after the `@` (`a=b;c`): values escaped (`;` as
 * `\:`, space as `\s`, `\` as `\\`, CR as `\r`, LF as `\n`), a tag with an empty value written
 * without `=`. Tags with an empty or unsafe key are left out.
 */
export function serializeTags(tags: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const key of Object.keys(tags)) {
    if (!TAG_KEY.test(key)) continue;
    const value = tags[key] ?? '';
    parts.push(value === '' ? key : `${key}=${escapeTagValue(value)}`);
  }
  return parts.join(';');
}

/** A tag key: an optional `+` (client-only), an optional vendor (`example.com/`), and a name. */
const TAG_KEY = /^\+?(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

/** Escapes a tag value for the wire (IRCv3 message-tags). */
export function escapeTagValue(value: string): string {
  let escaped = '';
  for (const char of value) {
    switch (char) {
      case ';':
        escaped += '\\:';
        break;
      case ' ':
        escaped += '\\s';
        break;
      case '\\':
        escaped += '\\\\';
        break;
      case '\r':
        escaped += '\\r';
        break;
      case '\n':
        escaped += '\\n';
        break;
      case '\0':
        break;
      default:
        escaped += char;
    }
  }
  return escaped;
}

/**
 * Reads an escaped tag value back, one character at a time so that an escape never joins
 * the next one: `\:` `;`, `\s` space, `\\` `\`, `\r` CR, `\n` LF, `\` before any other
 * character that character, and a `\` at the end nothing.
 */
export function unescapeTagValue(value: string): string {
  if (!value.includes('\\')) return value;
  let text = '';
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index] ?? '';
    if (char !== '\\') {
      text += char;
      continue;
    }
    index += 1;
    if (index >= value.length) break;
    const next = value[index] ?? '';
    text += next === ':' ? ';' : next === 's' ? ' ' : next === 'r' ? '\r' : next === 'n' ? '\n' : next;
  }
  return text;
}

function parseTags(text: string): Record<string, string> {
  // No prototype: a tag called `__proto__` or `constructor` is only a tag.
  const tags = Object.create(null) as Record<string, string>;
  for (const part of text.split(';')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = equals === -1 ? part : part.slice(0, equals);
    if (key === '') continue;
    // A repeated key: the last one counts.
    tags[key] = equals === -1 ? '' : unescapeTagValue(part.slice(equals + 1));
  }
  return tags;
}

function skipSpaces(line: string, from: number): number {
  let at = from;
  while (line.charCodeAt(at) === SPACE) at += 1;
  return at;
}

/** The characters that end or cut an IRC line. */
const LINE_BREAKERS = /[\r\n\0]/g;
/** The same, to look for one: a test is several times cheaper than a replace that finds nothing. */
const LINE_BREAKER = /[\r\n\0]/;

/** `text` with CR, LF and NUL turned into spaces: what any part of one IRC line must be. */
export function lineSafe(text: string): string {
  return LINE_BREAKER.test(text) ? text.replace(LINE_BREAKERS, ' ') : text;
}
