import { describe, expect, it } from '@jest/globals';

import { derivePriorities, hashedPriority, PRIORITY_RANGE } from '../../../../src/lib/stacks/priorities.js';

/** Two names whose hashed slots collide, found by search over a small name space. */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i += 1) {
    const name = `svc-${i}`;
    const slot = hashedPriority(name);
    const other = seen.get(slot);
    if (other) return [other, name];
    seen.set(slot, name);
  }
}

describe('listener priorities', () => {
  it('hashes each name into 1-50000, the same every time', () => {
    for (const name of ['api', 'web', 'a-very-long-service-name-indeed']) {
      const slot = hashedPriority(name);
      expect(slot).toBeGreaterThanOrEqual(PRIORITY_RANGE.min);
      expect(slot).toBeLessThanOrEqual(PRIORITY_RANGE.max);
      expect(hashedPriority(name)).toBe(slot);
    }
    expect(derivePriorities(['api', 'web'])).toEqual({
      api: hashedPriority('api'),
      web: hashedPriority('web'),
    });
  });

  it('adding a service leaves the others where they are', () => {
    const before = derivePriorities(['api', 'web']);
    const after = derivePriorities(['api', 'jobs', 'web']);
    expect(after.api).toBe(before.api);
    expect(after.web).toBe(before.web);
  });

  it('on a collision the newcomer steps aside, never the deployed service', () => {
    const [first, second] = collidingPair();
    const slot = hashedPriority(first);
    // Deployed: `second` holds the slot. `first` is declared before it and is new: it moves.
    const pinned = derivePriorities([first, second], { [second]: slot });
    expect(pinned[second]).toBe(slot);
    expect(pinned[first]).toBe(slot === PRIORITY_RANGE.max ? PRIORITY_RANGE.min : slot + 1);
    // Without pins, declaration order decides.
    expect(derivePriorities([first, second])[first]).toBe(slot);
  });

  it('keeps a pinned priority even when it is not the hashed slot', () => {
    expect(derivePriorities(['api'], { api: 7 })).toEqual({ api: 7 });
  });
});
