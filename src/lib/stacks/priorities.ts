/**
 * Listener rule priorities of declared services, derived from their names. ecspoc refuses two
 * services whose rules could match the same request (config/services.ts routeOverlap), so the
 * order the load balancer evaluates the rules in never changes where a request goes; a priority
 * only has to be unique and stable.
 */
import { createHash } from 'node:crypto';

/** ALB listener rule priorities run from 1 to 50,000 (ELB API reference, CreateRule `Priority`). */
export const PRIORITY_RANGE = { min: 1, max: 50_000 } as const;

/** The slot a service name hashes to: SHA-256 of the name into 1–50,000. */
export function hashedPriority(name: string): number {
  const value = createHash('sha256').update(name).digest().readUInt32BE(0);
  return PRIORITY_RANGE.min + (value % (PRIORITY_RANGE.max - PRIORITY_RANGE.min + 1));
}

/**
 * One priority per service. A pinned priority (the one the service's deployed stack already has)
 * is kept whatever else changes; every other service takes its hashed slot, or on a collision the
 * next free one upwards (wrapping at 50,000), in the order given. So adding a service never moves
 * one that is deployed: a newcomer whose slot is taken is the one that steps aside. Without pins
 * (no AWS to ask, as in an offline diff), the result depends only on the names and their order,
 * and a collision needs two names among 50,000 slots to share a hash.
 */
export function derivePriorities(
  names: readonly string[],
  pinned: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const taken = new Map<number, string>();
  const result: Record<string, number> = {};
  for (const name of names) {
    const pin = pinned[name];
    if (pin !== undefined && !taken.has(pin)) {
      taken.set(pin, name);
      result[name] = pin;
    }
  }
  const span = PRIORITY_RANGE.max - PRIORITY_RANGE.min + 1;
  for (const name of names) {
    if (result[name] !== undefined) continue;
    let slot = hashedPriority(name);
    for (let tries = 0; taken.has(slot) && tries < span; tries += 1) {
      slot = slot === PRIORITY_RANGE.max ? PRIORITY_RANGE.min : slot + 1;
    }
    taken.set(slot, name);
    result[name] = slot;
  }
  return result;
}
