import { FLOOD_POLICIES as POLICIES, type FloodOptions } from './limit-options.js';

/**
 * Parses the CLI's `--flood BURST:RATE[:POLICY]` (`5:2`, `10:0.5:drop`) into flood options,
 * or returns what is wrong with it, for the usage error.
 */
export function parseFloodSpec(spec: string): FloodOptions | string {
  const match = /^(\d+):(\d+(?:\.\d+)?)(?::([a-z]+))?$/.exec(spec);
  const wrong = `invalid flood limit '${spec}': expected BURST:RATE[:POLICY], such as 5:2 or 5:2:drop`;
  if (match === null) return wrong;
  const burst = Number(match[1]);
  const rate = Number(match[2]);
  if (!(burst >= 1) || !(rate > 0)) return `${wrong} (BURST at least 1, RATE above 0)`;
  const policyName = match[3];
  if (policyName === undefined) return { burst, rate };
  const policy = POLICIES.find((name) => name === policyName);
  if (policy === undefined) return `invalid flood policy '${policyName}': expected one of ${POLICIES.join(', ')}`;
  return { burst, rate, policy };
}
