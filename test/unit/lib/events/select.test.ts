import { describe, expect, it } from '@jest/globals';

import { parseEvent } from '../../../../src/lib/events/parse.js';
import { EventSelector, selects, serviceOf, type EventLine } from '../../../../src/lib/events/select.js';
import type { LogEvent } from '../../../../src/lib/logs/types.js';
import { instanceChange, oomStopped, pipelineFailed, stackRolledBack, taskRunning } from './fixtures.js';

const at = Date.parse('2024-05-01T10:05:01Z');
const event = (line: string) => parseEvent(line, at)!;

function logLine(message: string, timestamp = at, eventId = `${timestamp}-${message.length}`): LogEvent {
  return {
    group: '/aws/events/ecspoc-dev',
    stream: 'stream',
    timestamp,
    eventId,
    message,
    source: { kind: 'group', name: '/aws/events/ecspoc-dev', id: 'stream' },
  };
}

describe('selects', () => {
  const all = [
    oomStopped(),
    taskRunning(),
    instanceChange('e-inactive', 'INACTIVE'),
    instanceChange('e-active', 'ACTIVE'),
    stackRolledBack(),
    pipelineFailed(),
  ].map(event);
  const chosen = (kinds?: Parameters<typeof selects>[1]['kinds'], services?: string[]) =>
    all.filter((e) => selects(e, { env: 'dev', kinds, services })).map((e) => e.id);

  it('without --kind: the alerts (a failed task, an instance gone INACTIVE, a failed deploy)', () => {
    expect(chosen()).toEqual(['e-oom', 'e-inactive', 'e-stack', 'e-pipe']);
  });

  it('--kind picks kinds, all takes everything', () => {
    expect(chosen(['task'])).toEqual(['e-run']);
    expect(chosen(['instance'])).toEqual(['e-inactive', 'e-active']);
    expect(chosen(['task-stopped', 'deploy'])).toEqual(['e-oom', 'e-stack', 'e-pipe']);
    expect(chosen(['all'])).toHaveLength(all.length);
  });

  it("--service keeps a service's tasks, its service stack and its pipeline", () => {
    expect(chosen(['all'], ['404'])).toEqual(['e-oom', 'e-stack', 'e-pipe']);
    expect(chosen(['all'], ['php-hello'])).toEqual(['e-run']);
  });

  it("drops another environment's stack that the prefix rule caught: dev is not dev-x", () => {
    const foreign = event(stackRolledBack('e-x', 'ecspoc-dev-x-service-404'));
    const foreignCluster = event(stackRolledBack('e-xc', 'ecspoc-dev-x-cluster'));
    expect(selects(foreign, { env: 'dev' })).toBe(false);
    expect(selects(foreignCluster, { env: 'dev', kinds: ['all'] })).toBe(false);
    expect(serviceOf(foreign, 'dev')).toBeUndefined();
    expect(selects(foreign, { env: 'dev-x', services: ['404'] })).toBe(true);
    expect(selects(event(stackRolledBack('e-own', 'ecspoc-dev-cluster')), { env: 'dev' })).toBe(true);
  });
});

describe('EventSelector', () => {
  it('shows an event two rules delivered once, skips lines that are not events, keeps only the selection', async () => {
    const shown: EventLine[] = [];
    const selector = new EventSelector(
      { env: 'dev', kinds: ['task-stopped', 'task'] },
      { events: (batch) => void shown.push(...batch), notice: () => undefined },
    );
    // The essential-container rule and the task firehose each deliver the same event (same id).
    await selector.events([logLine(oomStopped(), at, 'log-1'), logLine(oomStopped(), at + 40, 'log-2')]);
    await selector.events([
      logLine('garbage', at + 50, 'log-3'),
      logLine(instanceChange(), at + 60, 'log-4'),
      logLine(oomStopped(), at + 900, 'log-5'),
      logLine(taskRunning(), at + 1000, 'log-6'),
    ]);
    expect(shown.map((l) => l.event.id)).toEqual(['e-oom', 'e-run']);
    expect(selector.shown).toBe(2);
    expect(selector.skipped).toBe(1);
  });
});
