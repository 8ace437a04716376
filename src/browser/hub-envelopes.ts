import type { HubEnvelope } from '../protocol/envelope.js';
import { parseJsonObject } from '../protocol/json-object.js';

/**
 * What each envelope a hub sends must hold (docs/protocol-json.md): the browser's own check of
 * the hub's schema, since the Node one brings Node's modules along. Shapes and types only; any
 * field not listed is dropped, so nothing unexpected reaches the page.
 */
type Kind = 'string' | 'number' | 'boolean' | 'names';

const shapes: Readonly<Record<HubEnvelope['type'], { readonly required: Readonly<Record<string, Kind>>; readonly optional?: Readonly<Record<string, Kind>> }>> = {
  message: { required: { id: 'string', sender: 'string', room: 'string', text: 'string', ts: 'number' }, optional: { action: 'boolean', history: 'boolean' } },
  direct: { required: { id: 'string', sender: 'string', to: 'string', text: 'string', ts: 'number' }, optional: { history: 'boolean' } },
  join: { required: { nick: 'string', room: 'string', ts: 'number' }, optional: { last: 'string' } },
  leave: { required: { nick: 'string', room: 'string', ts: 'number' }, optional: { reason: 'string', kicked: 'boolean', by: 'string' } },
  topic: { required: { room: 'string', text: 'string', ts: 'number' }, optional: { by: 'string' } },
  nick: { required: { from: 'string', nick: 'string', ts: 'number' } },
  system: { required: { text: 'string', ts: 'number' }, optional: { nick: 'string', room: 'string', names: 'names', session: 'string', last: 'string', replayed: 'number', recovered: 'boolean', reason: 'string' } },
  error: { required: { code: 'string', message: 'string', ts: 'number' } },
  ping: { required: { ts: 'number' } },
  bye: { required: { reason: 'string', message: 'string', ts: 'number' }, optional: { retryAfterMs: 'number' } },
};

/**
 * One WebSocket message from the hub as an envelope: a fresh object with the known fields of its
 * type, or `undefined` when it is not JSON, not version 1, of an unknown type, or misses a field.
 */
export function parseHubEnvelope(text: string): HubEnvelope | undefined {
  const input = parseJsonObject(text);
  if (input === undefined) return undefined;
  const type = input.type;
  if (input.v !== 1 || typeof type !== 'string' || !Object.hasOwn(shapes, type)) return undefined;
  const shape = shapes[type as HubEnvelope['type']];
  const output: Record<string, unknown> = { v: 1, type };
  for (const [field, kind] of Object.entries(shape.required)) {
    if (!fits(input[field], kind)) return undefined;
    output[field] = input[field];
  }
  for (const [field, kind] of Object.entries(shape.optional ?? {})) {
    const fieldValue = Object.hasOwn(input, field) ? input[field] : undefined;
    if (fieldValue !== undefined && fits(fieldValue, kind)) output[field] = kind === 'names' ? [...(fieldValue as string[])] : fieldValue;
  }
  return output as unknown as HubEnvelope;
}

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'names':
      return Array.isArray(value) && value.length <= 10_000 && value.every((name) => typeof name === 'string');
  }
}
