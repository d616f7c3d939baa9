import { randomUUID } from 'node:crypto';

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from '@jest/globals';

import { deployBundle } from './helpers/bundle.js';
import { runCli, spawnCli } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';

const ENV = 'ev';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/ecspoc-${ENV}`;
const events = new EventBridgeClient(clientConfig());

/**
 * An "ECS Task State Change" detail as the ECS Developer Guide's example shows it (Amazon ECS task
 * state change events): a service task whose essential container was killed for memory.
 */
function stoppedTask(taskId: string) {
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/ecspoc-${ENV}/${taskId}`;
  return {
    clusterArn: CLUSTER_ARN,
    containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/ecspoc-${ENV}/0b1a49793846`,
    containers: [
      {
        containerArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container/ecspoc-${ENV}/${taskId}/4ce75a22`,
        exitCode: 137,
        lastStatus: 'STOPPED',
        name: '404',
        reason: 'OutOfMemoryError: Container killed due to memory usage',
        taskArn,
      },
    ],
    createdAt: '2024-05-01T10:00:00.000Z',
    desiredStatus: 'STOPPED',
    group: 'service:404',
    lastStatus: 'STOPPED',
    launchType: 'EC2',
    startedBy: 'ecs-svc/9223370545345641169',
    stopCode: 'EssentialContainerExited',
    stoppedAt: '2024-05-01T10:05:00.000Z',
    stoppedReason: 'Essential container in task exited',
    taskArn,
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/ecspoc-${ENV}-404:3`,
    version: 4,
  };
}

/** An "ECS Container Instance State Change" detail (ECS Developer Guide example) for an instance gone INACTIVE. */
function inactiveInstance(instanceId: string) {
  return {
    agentConnected: false,
    attributes: [{ name: 'ecs.os-type', value: 'linux' }],
    clusterArn: CLUSTER_ARN,
    containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/ecspoc-${ENV}/${instanceId.slice(2)}`,
    ec2InstanceId: instanceId,
    registeredResources: [],
    remainingResources: [],
    status: 'INACTIVE',
    version: 14801,
    versionInfo: { agentVersion: '1.83.0', dockerVersion: 'DockerVersion: 25.0.3' },
    updatedAt: '2024-05-01T10:06:00.000Z',
  };
}

// On AWS the `aws.ecs` source is reserved to ECS itself (PutEvents refuses it); moto lets the test put
// the events ECS would send, and delivers them through the bundle's rules to the events log group.
async function put(detailType: string, detail: object): Promise<void> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'aws.ecs',
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          Resources: [CLUSTER_ARN],
          EventBusName: 'default',
        },
      ],
    }),
  );
  expect(out.FailedEntryCount ?? 0).toBe(0);
}

interface EventJsonLine {
  kind: string;
  id: string;
  taskId?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers?: { name: string; exitCode?: number; reason?: string }[];
  ec2InstanceId?: string;
  status?: string;
}
const parse = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EventJsonLine);

const firstTask = randomUUID().replace(/-/g, '');
const runningTask = randomUUID().replace(/-/g, '');

beforeAll(async () => {
  await deployBundle(ENV, { select: ['cluster'] });
  await put('ECS Task State Change', stoppedTask(firstTask));
  await put('ECS Container Instance State Change', inactiveInstance('i-0abc1234def567890'));
  // A task that is merely running: caught by the firehose only, not an alert.
  await put('ECS Task State Change', {
    ...stoppedTask(runningTask),
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    stopCode: undefined,
    stoppedReason: undefined,
    containers: [],
  });
}, 120_000);

describe('ecspoc events tail against moto_server', () => {
  it('each rule delivers its own copy to the events log group (two rules catch each alert)', async () => {
    const raw = await runCli([
      'logs',
      'tail',
      '--env',
      ENV,
      '--group',
      `/aws/events/ecspoc-${ENV}`,
      '--json',
    ]);
    expect(raw.code).toBe(0);
    // Stopped task: essential-container rule + task firehose; inactive instance: inactive rule +
    // instance firehose; running task: task firehose.
    expect(raw.stdout.split('\n').filter(Boolean)).toHaveLength(5);
  });

  it('shows the alerts once each: task id, stop code, reason, exit code and reason, instance id', async () => {
    const result = await runCli(['events', 'tail', '--env', ENV, '--since', '10m']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d task-stopped /);
    expect(lines[0]).toContain(
      `404/${firstTask} stopped: EssentialContainerExited (Essential container in task exited) — 404 exit 137 OutOfMemoryError: Container killed due to memory usage`,
    );
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d instance +i-0abc1234def567890 INACTIVE, agent disconnected/);
  });

  it('--json prints one JSON object per event; --kind all adds the running task', async () => {
    const result = await runCli([
      'events',
      'tail',
      '--env',
      ENV,
      '--since',
      '10m',
      '--json',
      '--kind',
      'all',
    ]);
    expect(result.code).toBe(0);
    const lines = parse(result.stdout);
    expect(lines.map((l) => l.kind)).toEqual(['task-stopped', 'instance', 'task']);
    expect(new Set(lines.map((l) => l.id)).size).toBe(3);
    expect(lines[0]).toMatchObject({
      taskId: firstTask,
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [
        { name: '404', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      ],
    });
    expect(lines[1]).toMatchObject({ ec2InstanceId: 'i-0abc1234def567890', status: 'INACTIVE' });
    expect(lines[2].taskId).toBe(runningTask);
  });

  it('--service keeps only that service’s events', async () => {
    const other = await runCli(['events', 'tail', '--env', ENV, '--kind', 'all', '--service', 'php-hello']);
    expect(other.code).toBe(0);
    expect(other.stdout).toBe('');
    const mine = await runCli([
      'events',
      'tail',
      '--env',
      ENV,
      '--kind',
      'task',
      '--service',
      '404',
      '--json',
    ]);
    expect(parse(mine.stdout).map((l) => l.taskId)).toEqual([runningTask]);
  });

  it('--follow shows a new event within a few seconds, nothing twice; Ctrl-C exits 130', async () => {
    const child = spawnCli(['events', 'tail', '--env', ENV, '--since', '10m', '--follow', '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waitFor = async (check: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      return check();
    };
    const count = () => stdout.split('\n').filter(Boolean).length;
    expect(await waitFor(() => count() >= 2, 20_000)).toBe(true);
    const secondTask = randomUUID().replace(/-/g, '');
    const putAt = Date.now();
    await put('ECS Task State Change', stoppedTask(secondTask));
    expect(await waitFor(() => count() >= 3, 5_000)).toBe(true);
    const latency = Date.now() - putAt;
    // A few more polls: a repeat (the firehose's copy, or a re-read of the look-back) would show now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toBe('');
    const lines = parse(stdout);
    expect(lines.map((l) => l.taskId ?? l.ec2InstanceId)).toEqual([
      firstTask,
      'i-0abc1234def567890',
      secondTask,
    ]);
    expect(latency).toBeLessThan(5_000);
  }, 60_000);

  it('an environment without a cluster stack says what to deploy', async () => {
    const result = await runCli(['events', 'tail', '--env', 'nothere']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'Error: Environment nothere has no events log group (/aws/events/ecspoc-nothere).',
    );
    expect(result.stderr).toContain('ecspoc deploy cluster --env nothere');
    expect(result.stderr).not.toMatch(/\s+at /);
  });
});
