import { describe, expect, it } from '@jest/globals';

import { environmentLine } from '../../../src/ui/environments-view.js';

const cluster = { name: 'ecspoc-staging', found: true, instances: 3, services: 1, runningTasks: 2 };

describe('environmentLine', () => {
  it('sums up an environment of stacks in one line', () => {
    expect(environmentLine({ env: 'staging', stacks: 6, worstStatus: 'CREATE_COMPLETE', cluster }, 9)).toBe(
      'staging    6 stacks · CREATE_COMPLETE · 3 instances · 1 service',
    );
  });

  it('names the cluster an environment adopts instead of its stacks, and says when it is gone', () => {
    const adopted = { env: 'payments', stacks: 0, worstStatus: 'adopted', adopted: true };
    expect(environmentLine({ ...adopted, cluster: { ...cluster, name: 'payments-prod' } })).toBe(
      'payments  adopts cluster payments-prod · 3 instances · 1 service',
    );
    expect(
      environmentLine({
        ...adopted,
        cluster: { name: 'gone', found: false, instances: 0, services: 0, runningTasks: 0 },
      }),
    ).toBe('payments  adopts cluster gone (not found)');
  });
});
