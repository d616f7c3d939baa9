import { describe, expect, it } from '@jest/globals';

import { decodeCycleState, encodeCycleState } from '../../../../src/lib/instances/state.js';

describe('cycle state tag', () => {
  it('round-trips the original capacity and the suspended processes', () => {
    const state = { runId: '2026-01-01T00:00:00.000Z', desired: 6, max: 8, suspended: ['AZRebalance'] };
    const value = encodeCycleState(state);
    expect(value).toBe('run=2026-01-01T00:00:00.000Z;desired=6;max=8;suspended=AZRebalance');
    expect(value.length).toBeLessThanOrEqual(256);
    expect(decodeCycleState(value)).toEqual(state);
    expect(decodeCycleState(encodeCycleState({ ...state, suspended: [] }))?.suspended).toEqual([]);
  });

  it('ignores a missing or foreign tag', () => {
    expect(decodeCycleState(undefined)).toBeUndefined();
    expect(decodeCycleState('something else')).toBeUndefined();
    expect(decodeCycleState('run=x;desired=six;max=8')).toBeUndefined();
  });
});
