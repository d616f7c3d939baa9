import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';

import { createProgress } from '../../../src/ui/progress.js';

function sink(isTTY: boolean) {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  (stream as { isTTY?: boolean }).isTTY = isTTY;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

const tasks = [
  { key: 'network', title: 'ecspoc-dev-network' },
  { key: 'cluster', title: 'ecspoc-dev-cluster' },
];

describe('createProgress', () => {
  it('writes timestamped plain lines without a TTY, never repeating a detail', async () => {
    const out = sink(false);
    const progress = await createProgress(tasks, {
      json: false,
      stream: out.stream,
      now: () => new Date('2026-01-01T10:11:12Z'),
    });
    progress.task('network').update('CREATE_IN_PROGRESS AWS::EC2::VPC Vpc');
    progress.task('network').update('CREATE_IN_PROGRESS AWS::EC2::VPC Vpc');
    progress.task('network').succeed('created');
    progress.task('cluster').fail('Cluster: Resource limit exceeded');
    progress.note('1 stack failed');
    await progress.close();
    expect(out.text()).toBe(
      [
        '10:11:12 ecspoc-dev-network: CREATE_IN_PROGRESS AWS::EC2::VPC Vpc',
        '10:11:12 ecspoc-dev-network: created',
        '10:11:12 ecspoc-dev-cluster: FAILED Cluster: Resource limit exceeded',
        '10:11:12 1 stack failed',
        '',
      ].join('\n'),
    );
  });

  it('writes nothing under --json', async () => {
    const out = sink(true);
    const progress = await createProgress(tasks, { json: true, stream: out.stream });
    progress.task('network').update('x');
    progress.task('network').succeed();
    progress.note('n');
    await progress.close();
    expect(out.text()).toBe('');
  });

  it('draws with listr2 on a TTY stream and finishes when every task has ended', async () => {
    const out = sink(true);
    const progress = await createProgress(tasks, { json: false, stream: out.stream });
    progress.task('network').update('CREATE_IN_PROGRESS Vpc');
    progress.task('network').succeed('created');
    progress.task('cluster').skip('network failed');
    await progress.close();
    expect(out.text()).toContain('ecspoc-dev-network: created');
    expect(out.text()).toContain('ecspoc-dev-cluster: network failed');
  });
});
