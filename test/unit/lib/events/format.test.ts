import { describe, expect, it } from '@jest/globals';

import { EventFormatter, summarise, toEventJson } from '../../../../src/lib/events/format.js';
import { parseEvent } from '../../../../src/lib/events/parse.js';
import { instanceChange, oomStopped, pipelineFailed, stackRolledBack, taskRunning } from './fixtures.js';

const at = Date.parse('2024-05-01T10:05:01Z');
const event = (line: string) => parseEvent(line, at)!;

describe('summarise', () => {
  it('a stopped task: service/task, stop code, reason, each container with an exit code or reason, instance', () => {
    expect(summarise(event(oomStopped()))).toBe(
      '404/6f3c0000 stopped: EssentialContainerExited (Essential container in task exited) — ' +
        '404 exit 137 OutOfMemoryError: Container killed due to memory usage on 0b1a4979',
    );
  });

  it('a running task, an instance, a stack and a pipeline', () => {
    expect(summarise(event(taskRunning()))).toBe('php-hello/aaaa0000 RUNNING (desired RUNNING)');
    expect(summarise(event(instanceChange()))).toBe('i-0abc INACTIVE, agent disconnected, 0 running task(s)');
    expect(summarise(event(stackRolledBack()))).toBe(
      'ecspoc-dev-service-404 UPDATE_ROLLBACK_IN_PROGRESS — Resource Service failed to stabilize',
    );
    expect(summarise(event(pipelineFailed()))).toBe(
      'pipeline ecspoc-dev-404 FAILED — execution 01234567-0123-0123-0123-012345678901',
    );
  });
});

describe('EventFormatter', () => {
  it('short: UTC time of day, padded kind, summary', () => {
    expect(new EventFormatter('short').line(event(instanceChange()))).toBe(
      '10:05:00 instance     i-0abc INACTIVE, agent disconnected, 0 running task(s)\n',
    );
  });

  it('detailed: full time, the detail type and the event id', () => {
    expect(new EventFormatter('detailed').line(event(stackRolledBack()))).toBe(
      '2024-05-01T10:05:00.000Z deploy       ecspoc-dev-service-404 UPDATE_ROLLBACK_IN_PROGRESS — Resource Service failed to stabilize ' +
        '[CloudFormation Stack Status Change e-stack]\n',
    );
  });

  it('json: one object per line with the typed fields and the event as sent', () => {
    const line = new EventFormatter('json').line(event(oomStopped()));
    expect(line.endsWith('\n')).toBe(true);
    const json = JSON.parse(line);
    expect(json).toMatchObject({
      kind: 'task-stopped',
      id: 'e-oom',
      service: '404',
      taskId: '6f3c0000',
      stopCode: 'EssentialContainerExited',
      containers: [{ name: '404', exitCode: 137 }, { name: 'sidecar' }],
    });
    expect(json.event['detail-type']).toBe('ECS Task State Change');
    expect(toEventJson(event(instanceChange()))).toMatchObject({
      ec2InstanceId: 'i-0abc',
      status: 'INACTIVE',
    });
  });

  it('the painter colours the kind label only', () => {
    const painted = new EventFormatter('short', (label) => `<${label.trim()}>`).line(event(instanceChange()));
    expect(painted).toBe('10:05:00 <instance> i-0abc INACTIVE, agent disconnected, 0 running task(s)\n');
  });
});
