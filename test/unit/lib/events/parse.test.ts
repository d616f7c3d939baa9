import { describe, expect, it } from '@jest/globals';

import { parseEvent } from '../../../../src/lib/events/parse.js';
import {
  eventLine,
  instanceChange,
  oomStopped,
  pipelineFailed,
  stackRolledBack,
  taskRunning,
} from './fixtures.js';

const at = Date.parse('2024-05-01T10:05:01Z');

describe('parseEvent', () => {
  it('a task whose essential container exited is task-stopped, with service, stop code and containers', () => {
    expect(parseEvent(oomStopped(), at)).toMatchObject({
      kind: 'task-stopped',
      id: 'e-oom',
      time: '2024-05-01T10:05:00.000Z',
      taskId: '6f3c0000',
      service: '404',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [
        { name: '404', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        { name: 'sidecar' },
      ],
    });
  });

  it('any other task change is a task; a standalone task has a group but no service', () => {
    expect(parseEvent(taskRunning(), at)).toMatchObject({
      kind: 'task',
      service: 'php-hello',
      lastStatus: 'RUNNING',
    });
    const standalone = parseEvent(taskRunning('e-job', 'bbbb', 'family:nightly-report'), at);
    expect(standalone).toMatchObject({ kind: 'task', group: 'family:nightly-report' });
    expect(standalone).not.toHaveProperty('service', expect.anything());
  });

  it('an instance change carries the instance id, status and agent state', () => {
    expect(parseEvent(instanceChange(), at)).toMatchObject({
      kind: 'instance',
      ec2InstanceId: 'i-0abc',
      status: 'INACTIVE',
      agentConnected: false,
      runningTasksCount: 0,
    });
  });

  it('a stack change names the stack from its id; a pipeline run names the pipeline', () => {
    expect(parseEvent(stackRolledBack(), at)).toMatchObject({
      kind: 'deploy',
      what: 'stack',
      subject: 'ecspoc-dev-service-404',
      status: 'UPDATE_ROLLBACK_IN_PROGRESS',
      reason: 'Resource Service failed to stabilize',
    });
    expect(parseEvent(pipelineFailed(), at)).toMatchObject({
      kind: 'deploy',
      what: 'pipeline',
      subject: 'ecspoc-dev-404',
      status: 'FAILED',
    });
  });

  it('a failed API call of a pipeline role names the call and its stack', () => {
    const line = eventLine('e-api', 'AWS API Call via CloudTrail', 'aws.cloudformation', {
      eventName: 'UpdateStack',
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized to perform cloudformation:UpdateStack',
      requestParameters: {
        stackName: 'arn:aws:cloudformation:us-east-1:123456789012:stack/ecspoc-dev-service-404/0f5d',
      },
    });
    expect(parseEvent(line, at)).toMatchObject({
      kind: 'deploy',
      what: 'api-call',
      subject: 'UpdateStack ecspoc-dev-service-404',
      status: 'AccessDenied',
    });
  });

  it('skips what is not an EventBridge event, and dates an event without a time by its log line', () => {
    expect(parseEvent('not json', at)).toBeUndefined();
    expect(parseEvent('[1,2]', at)).toBeUndefined();
    expect(parseEvent(JSON.stringify({ id: 'x', source: 'aws.ecs' }), at)).toBeUndefined();
    const untimed = JSON.stringify({ id: 'x', source: 'custom', 'detail-type': 'Thing', detail: {} });
    expect(parseEvent(untimed, at)).toMatchObject({ kind: 'other', time: '2024-05-01T10:05:01.000Z' });
  });
});
