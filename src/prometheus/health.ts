import type { AnyBroadcastHub } from './hub-metrics.js';

/** The answer of a health check: whether it passed, and a short reason a person can read. */
export interface HealthCheck {
  readonly ok: boolean;
  readonly reason: string;
}

/** An application's own readiness check: `false`, a rejection or a throw mean not ready. */
export type ReadyCheck = () => boolean | Promise<boolean>;

/**
 * Liveness (`/healthz`): the hub is listening. It is not from `close()` on, so an orchestrator
 * sees a hub that is shutting down as down.
 */
export function hubLiveness(hub: AnyBroadcastHub): HealthCheck {
  return hub.address() === null ? { ok: false, reason: 'not listening' } : { ok: true, reason: 'listening' };
}

/**
 * Readiness (`/readyz`): the hub is listening, its link to the other hubs is connected when it
 * has one (a hub cut off from the broker serves its own clients, but they miss the rest of the
 * chat), and the application's own `ready` check, if any, passes.
 */
export async function hubReadiness(hub: AnyBroadcastHub, ready?: ReadyCheck): Promise<HealthCheck> {
  const live = hubLiveness(hub);
  if (!live.ok) return live;
  const adapter = hub.adapter;
  if (adapter !== undefined && adapter.status !== 'connected') return { ok: false, reason: `cluster link ${adapter.status}` };
  if (ready === undefined) return { ok: true, reason: adapter === undefined ? 'listening' : 'listening, cluster link connected' };
  try {
    // Only `true` is ready: a JavaScript check that returns nothing has not said so.
    const answer: unknown = await ready();
    if (answer !== true) return { ok: false, reason: 'the application is not ready' };
  } catch (error) {
    return { ok: false, reason: `the application's readiness check failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true, reason: 'ready' };
}
