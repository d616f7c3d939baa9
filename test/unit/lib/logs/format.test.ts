import { describe, expect, it } from '@jest/globals';

import { LineFormatter } from '../../../../src/lib/logs/format.js';
import type { LogEvent } from '../../../../src/lib/logs/types.js';

const at = Date.UTC(2024, 4, 1, 10, 0, 0, 123);
const agent: LogEvent = {
  group: '/ecspoc/dev/instances/ecs-agent',
  stream: 'i-0abc',
  timestamp: at,
  ingestionTime: at + 1_000,
  eventId: '42',
  message: 'agent started\n',
  source: { kind: 'instance', name: 'ecs-agent', id: 'i-0abc' },
};
const task: LogEvent = {
  group: '/ecspoc/dev/tasks/404',
  stream: '404/nginx/t1',
  timestamp: at + 1,
  message: 'GET /',
  source: { kind: 'task', name: '404', id: 't1', container: 'nginx' },
};

describe('LineFormatter', () => {
  it('short: time of day, tag padded to the widest source of the batch, message without its newline', () => {
    expect(new LineFormatter('short').lines([agent, task])).toBe(
      '10:00:00.123 ecs-agent i-0abc agent started\n10:00:00.124 404/nginx t1     GET /\n',
    );
  });

  it('detailed: full timestamp, tag, group and stream', () => {
    expect(new LineFormatter('detailed').line(agent)).toBe(
      '2024-05-01T10:00:00.123Z ecs-agent i-0abc /ecspoc/dev/instances/ecs-agent i-0abc agent started\n',
    );
  });

  it('json: one object per line', () => {
    const lines = new LineFormatter('json').lines([agent, task]).split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0])).toEqual({
      timestamp: '2024-05-01T10:00:00.123Z',
      group: '/ecspoc/dev/instances/ecs-agent',
      stream: 'i-0abc',
      source: { kind: 'instance', name: 'ecs-agent', id: 'i-0abc' },
      eventId: '42',
      ingestionTime: '2024-05-01T10:00:01.123Z',
      message: 'agent started',
    });
    expect(JSON.parse(lines[1])).not.toHaveProperty('eventId');
  });

  it('colours tags through the painter it is given', () => {
    const formatter = new LineFormatter('short', (tag, source) => `<${source.name}>${tag}</>`);
    expect(formatter.line(task)).toBe('10:00:00.124 <404>404/nginx t1</> GET /\n');
  });
});
