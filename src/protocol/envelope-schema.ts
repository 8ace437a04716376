import { NICK_PATTERN, ROOM_PATTERN } from './names.js';
import type { ClientEnvelope, HubEnvelope } from './envelope.js';
import { PROTOCOL_VERSION } from './envelope.js';
import { EnvelopeError } from './envelope-error.js';

/** Longest `text` a client may send by default, in characters. */
export const DEFAULT_MAX_TEXT_LENGTH = 4000;

/** Longest `token` a `hello` envelope may carry, in characters. */
export const MAX_TOKEN_LENGTH = 2048;

/** Most messages a `history` field may ask for; a hub replays at most its own `history.messages`. */
export const MAX_HISTORY_REQUEST = 10_000;

/** Keys that could reach an object's prototype if the envelope were ever merged into one. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** How one field is checked. `text` fields are bounded by the validator's `maxTextLength`. */
type FieldRule =
  | { readonly kind: 'text' }
  | { readonly kind: 'string'; readonly max: number; readonly pattern?: RegExp }
  | { readonly kind: 'number' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'count'; readonly max: number }
  | { readonly kind: 'names' };

interface Schema {
  readonly required: Readonly<Record<string, FieldRule>>;
  readonly optional: Readonly<Record<string, FieldRule>>;
}

const text: FieldRule = { kind: 'text' };
const nick: FieldRule = { kind: 'string', max: 24, pattern: NICK_PATTERN };
const room: FieldRule = { kind: 'string', max: 32, pattern: ROOM_PATTERN };
const short: FieldRule = { kind: 'string', max: 64 };
const time: FieldRule = { kind: 'number' };
const flag: FieldRule = { kind: 'boolean' };
/** A message id or session, as a hub hands them out: handed back verbatim, never parsed. */
const marker: FieldRule = { kind: 'string', max: 64 };
const wanted: FieldRule = { kind: 'count', max: MAX_HISTORY_REQUEST };
/** A moderation reason, kept short: it is shown to a whole room. */
const reason: FieldRule = { kind: 'string', max: 200 };
/** A ban's target: a nickname, mask, address or network; the hub checks it further. */
const target: FieldRule = { kind: 'string', max: 100, pattern: /^[^\s,]+$/ };
const duration: FieldRule = { kind: 'string', max: 8, pattern: /^\d{1,6}[smhdw]$/ };

/** What a client may send to a hub. Names are checked here too: they become command arguments. */
const clientSchemas: Readonly<Record<ClientEnvelope['type'], Schema>> = {
  message: { required: { text }, optional: { room } },
  join: { required: { room }, optional: { history: wanted, after: marker } },
  leave: { required: { room }, optional: {} },
  nick: { required: { nick }, optional: {} },
  direct: { required: { to: nick, text }, optional: {} },
  // A token is bounded (a JWT fits) so that a hello stays within the hub's pre-authentication byte cap.
  hello: { required: {}, optional: { nick, token: { kind: 'string', max: MAX_TOKEN_LENGTH }, session: marker, after: marker, afterDirect: marker, history: wanted } },
  pong: { required: { ts: time }, optional: {} },
  oper: { required: { name: { kind: 'string', max: 64, pattern: /^\S+$/ }, password: { kind: 'string', max: 256 } }, optional: {} },
  kick: { required: { nick }, optional: { room, reason } },
  ban: { required: { target }, optional: { room, duration, reason } },
  unban: { required: { target }, optional: { room } },
  bans: { required: {}, optional: { room } },
  mute: { required: { nick }, optional: { duration } },
  unmute: { required: { nick }, optional: {} },
  topic: { required: { room }, optional: { text: { kind: 'string', max: 300 } } },
};

/** What a hub may send to a client. Only shapes and sizes: a hub may have its own name rules. */
const hubSchemas: Readonly<Record<HubEnvelope['type'], Schema>> = {
  message: { required: { id: short, sender: short, room: short, text, ts: time }, optional: { action: flag, history: flag } },
  direct: { required: { id: short, sender: short, to: short, text, ts: time }, optional: { history: flag } },
  join: { required: { nick: short, room: short, ts: time }, optional: { last: short } },
  leave: { required: { nick: short, room: short, ts: time }, optional: { reason: { kind: 'string', max: 400 }, kicked: flag, by: short } },
  topic: { required: { room: short, text: { kind: 'string', max: 400 }, ts: time }, optional: { by: short } },
  nick: { required: { from: short, nick: short, ts: time }, optional: {} },
  system: {
    required: { text, ts: time },
    optional: {
      nick: short,
      room: short,
      names: { kind: 'names' },
      session: short,
      replayed: { kind: 'count', max: Number.MAX_SAFE_INTEGER },
      recovered: flag,
      reason: short,
      last: short,
    },
  },
  error: { required: { code: short, message: text, ts: time }, optional: {} },
  ping: { required: { ts: time }, optional: {} },
  bye: { required: { reason: short, message: { kind: 'string', max: 400 }, ts: time }, optional: { retryAfterMs: time } },
};

/** Which side's envelopes a validator accepts: `client` (a hub reading clients) or `hub` (a client reading the hub). */
export type EnvelopeSource = 'client' | 'hub';

/**
 * Parses and validates one line of untrusted JSON. Returns a fresh object holding only the
 * known fields of its type; throws an `EnvelopeError` for anything else. Unknown fields are
 * ignored (so that later minor additions do not break older peers), but never copied.
 */
export function parseEnvelope(line: string, source: 'client', maxTextLength?: number): ClientEnvelope;
export function parseEnvelope(line: string, source: 'hub', maxTextLength?: number): HubEnvelope;
export function parseEnvelope(line: string, source: EnvelopeSource, maxTextLength?: number): ClientEnvelope | HubEnvelope;
export function parseEnvelope(line: string, source: EnvelopeSource, maxTextLength = DEFAULT_MAX_TEXT_LENGTH): ClientEnvelope | HubEnvelope {
  let value: unknown;
  try {
    // The reviver sees every key at every depth before the object is handed back, so a
    // forbidden key anywhere rejects the whole envelope.
    value = JSON.parse(line, rejectForbiddenKeys);
  } catch (error) {
    if (error instanceof EnvelopeError) throw error;
    throw new EnvelopeError('not valid JSON');
  }
  return validateEnvelope(value, source, maxTextLength);
}

/** Validates an already-parsed value, as `parseEnvelope` does. */
export function validateEnvelope(value: unknown, source: EnvelopeSource, maxTextLength = DEFAULT_MAX_TEXT_LENGTH): ClientEnvelope | HubEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnvelopeError('an envelope must be a JSON object');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (FORBIDDEN_KEYS.has(key)) throw new EnvelopeError(`forbidden key '${key}'`, key);
  }
  const version = own(input, 'v');
  if (typeof version !== 'number') throw new EnvelopeError("missing protocol version 'v'", 'v');
  if (version !== PROTOCOL_VERSION) throw new EnvelopeError(`unsupported protocol version ${String(version)}; this hub speaks ${PROTOCOL_VERSION}`, 'v');
  const type = own(input, 'type');
  if (typeof type !== 'string') throw new EnvelopeError("missing 'type'", 'type');
  const schemas: Readonly<Record<string, Schema>> = source === 'client' ? clientSchemas : hubSchemas;
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) throw new EnvelopeError(`unknown envelope type '${type.slice(0, 32)}'`, 'type');
  const output: Record<string, unknown> = { v: PROTOCOL_VERSION, type };
  for (const [field, rule] of Object.entries(schema.required)) {
    const fieldValue = own(input, field);
    if (fieldValue === undefined) throw new EnvelopeError(`'${type}' needs '${field}'`, field);
    output[field] = check(type, field, rule, fieldValue, maxTextLength);
  }
  for (const [field, rule] of Object.entries(schema.optional)) {
    const fieldValue = own(input, field);
    if (fieldValue !== undefined) output[field] = check(type, field, rule, fieldValue, maxTextLength);
  }
  return output as unknown as ClientEnvelope | HubEnvelope;
}

function rejectForbiddenKeys(this: unknown, key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new EnvelopeError(`forbidden key '${key}'`, key);
  return value;
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function check(type: string, field: string, rule: FieldRule, value: unknown, maxTextLength: number): unknown {
  const where = `'${type}.${field}'`;
  switch (rule.kind) {
    case 'text':
      if (typeof value !== 'string') throw new EnvelopeError(`${where} must be a string`, field);
      if (value.length > maxTextLength) throw new EnvelopeError(`${where} is longer than ${maxTextLength} characters`, field);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new EnvelopeError(`${where} must be a string`, field);
      if (value.length > rule.max) throw new EnvelopeError(`${where} is longer than ${rule.max} characters`, field);
      if (rule.pattern !== undefined && !rule.pattern.test(value)) throw new EnvelopeError(`${where} has characters that are not allowed`, field);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new EnvelopeError(`${where} must be a finite number`, field);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new EnvelopeError(`${where} must be a boolean`, field);
      return value;
    case 'count':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > rule.max) throw new EnvelopeError(`${where} must be a whole number from 0 to ${rule.max}`, field);
      return value;
    case 'names':
      if (!Array.isArray(value) || value.length > 10_000 || !value.every((name) => typeof name === 'string' && name.length <= 64)) {
        throw new EnvelopeError(`${where} must be a list of short strings`, field);
      }
      return [...(value as string[])];
  }
}
