import { nickProblem, roomProblem } from '../protocol/names.js';
import type { ModerationEvent } from './adapter.js';

/** Longest ban mask from another hub, in characters: a hub's own masks are at most 100. */
const MAX_MASK_CHARS = 100;
/** Longest reason or `by` from another hub, in characters: a hub's own reasons are at most 200. */
const MAX_REASON_CHARS = 200;
const MAX_BY_CHARS = 64;
/** Longest topic text from another hub before it is made inert and cut to 300 characters. */
const MAX_TOPIC_CHARS = 1200;

/** The types of `ModerationEvent`, which `readModeration()` checks. */
const MODERATION_TYPES: ReadonlySet<string> = new Set(['ban', 'unban', 'topic', 'kick', 'mute', 'unmute']);

/** Whether an event from the broker is a moderation event (of any shape: `readModeration()` checks it). */
export function isModerationType(type: string): boolean {
  return MODERATION_TYPES.has(type);
}

/**
 * Checks a moderation event from another hub field by field, and returns it, or throws a
 * `TypeError` that says what is wrong. Nothing on the channel is trusted: a hostile or newer
 * hub must cost this one an error report, never a crash, a line break in a notice, or an
 * unbounded string. What the fields mean (a mask that parses, a time not yet past) is for the
 * hub to check.
 */
export function readModeration(value: unknown): ModerationEvent {
  const event = record(value, 'event');
  switch (event.type) {
    case 'ban': {
      const ban = record(event.ban, 'ban');
      text(ban.mask, 'ban.mask', MAX_MASK_CHARS, false);
      optionalRoom(ban.room, 'ban.room');
      text(ban.reason, 'ban.reason', MAX_REASON_CHARS, true);
      text(ban.by, 'ban.by', MAX_BY_CHARS, false);
      time(ban.setAt, 'ban.setAt');
      if (ban.expiresAt !== undefined) time(ban.expiresAt, 'ban.expiresAt');
      sync(event.sync);
      break;
    }
    case 'unban':
      text(event.mask, 'mask', MAX_MASK_CHARS, false);
      optionalRoom(event.room, 'room');
      text(event.by, 'by', MAX_BY_CHARS, false);
      if (event.at !== undefined) time(event.at, 'at');
      sync(event.sync);
      break;
    case 'topic': {
      const topic = record(event.topic, 'topic');
      room(topic.room, 'topic.room');
      text(topic.text, 'topic.text', MAX_TOPIC_CHARS, true, true);
      text(topic.by, 'topic.by', MAX_BY_CHARS, false);
      time(topic.setAt, 'topic.setAt');
      sync(event.sync);
      break;
    }
    case 'kick':
      target(event);
      optionalRoom(event.room, 'room');
      text(event.reason, 'reason', MAX_REASON_CHARS, true);
      break;
    case 'mute':
      target(event);
      if (event.expiresAt !== undefined) time(event.expiresAt, 'expiresAt');
      break;
    case 'unmute':
      target(event);
      break;
    default:
      throw new TypeError(`not a moderation event: ${JSON.stringify(String(event.type)).slice(0, 40)}`);
  }
  return event as unknown as ModerationEvent;
}

/** The hub and nickname a kick or mute is for, and who asks. */
function target(event: Record<string, unknown>): void {
  text(event.hub, 'hub', 200, false);
  text(event.nick, 'nick', 64, false);
  const problem = nickProblem(event.nick as string);
  if (problem !== undefined) throw new TypeError(`nick ${problem}`);
  text(event.by, 'by', MAX_BY_CHARS, false);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** A string of at most `max` characters, without control characters (but for `multiline` text, made inert later). */
function text(value: unknown, what: string, max: number, mayBeEmpty: boolean, multiline = false): void {
  if (typeof value !== 'string') throw new TypeError(`${what} is not a string`);
  if (value.length > max) throw new TypeError(`${what} is longer than ${max} characters`);
  if (!mayBeEmpty && value === '') throw new TypeError(`${what} is empty`);
  if (!multiline && hasControl(value)) throw new TypeError(`${what} has control characters`);
}

function room(value: unknown, what: string): void {
  if (typeof value !== 'string') throw new TypeError(`${what} is not a string`);
  const problem = roomProblem(value);
  if (problem !== undefined) throw new TypeError(`${what} ${problem}`);
}

function optionalRoom(value: unknown, what: string): void {
  if (value !== undefined) room(value, what);
}

/** A time in ms since the epoch. */
function time(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError(`${what} is not a time`);
}

function sync(value: unknown): void {
  if (value !== undefined && value !== true) throw new TypeError('sync is not true');
}

/** Whether `value` has a C0 control character, DEL, or a line or paragraph separator. */
function hasControl(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) return true;
  }
  return false;
}
