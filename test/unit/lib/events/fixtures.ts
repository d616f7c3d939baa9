// EventBridge events as AWS documents them (ECS Developer Guide, "Amazon ECS task state change events"
// and "container instance state change events"; CloudFormation User Guide, "Stack Status Change";
// CodePipeline's "Pipeline Execution State Change"), as the bundle's rules write them to the group.
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/ecspoc-dev`;

/** One EventBridge event as one log line of the events group. */
export function eventLine(
  id: string,
  detailType: string,
  source: string,
  detail: Record<string, unknown>,
  time = '2024-05-01T10:05:00Z',
): string {
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time,
    region: REGION,
    resources: [],
    detail,
  });
}

/** A task stopped because its essential container was killed for memory. */
export function oomStopped(id = 'e-oom', taskId = '6f3c0000', group = 'service:404'): string {
  return eventLine(id, 'ECS Task State Change', 'aws.ecs', {
    clusterArn: CLUSTER,
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/ecspoc-dev/${taskId}`,
    containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/ecspoc-dev/0b1a4979`,
    group,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    containers: [
      {
        name: '404',
        lastStatus: 'STOPPED',
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
      },
      { name: 'sidecar', lastStatus: 'STOPPED' },
    ],
  });
}

/** A task the scheduler started (the task firehose only). */
export function taskRunning(id = 'e-run', taskId = 'aaaa0000', group = 'service:php-hello'): string {
  return eventLine(id, 'ECS Task State Change', 'aws.ecs', {
    clusterArn: CLUSTER,
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/ecspoc-dev/${taskId}`,
    group,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    containers: [{ name: 'php-hello', lastStatus: 'RUNNING' }],
  });
}

/** A container instance whose agent disconnected and that went INACTIVE (or stayed ACTIVE). */
export function instanceChange(id = 'e-ci', status = 'INACTIVE', instanceId = 'i-0abc'): string {
  return eventLine(id, 'ECS Container Instance State Change', 'aws.ecs', {
    clusterArn: CLUSTER,
    containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/ecspoc-dev/0b1a4979`,
    ec2InstanceId: instanceId,
    status,
    agentConnected: false,
    runningTasksCount: 0,
  });
}

/** A stack of the bundle that rolled back. */
export function stackRolledBack(id = 'e-stack', stack = 'ecspoc-dev-service-404'): string {
  return eventLine(id, 'CloudFormation Stack Status Change', 'aws.cloudformation', {
    'stack-id': `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/0f5d2f50-07a8-11ef-9a3b-0e1f8d1d1c1f`,
    'status-details': {
      status: 'UPDATE_ROLLBACK_IN_PROGRESS',
      'status-reason': 'Resource Service failed to stabilize',
    },
  });
}

/** A pipeline run that failed. */
export function pipelineFailed(id = 'e-pipe', pipeline = 'ecspoc-dev-404'): string {
  return eventLine(id, 'CodePipeline Pipeline Execution State Change', 'aws.codepipeline', {
    pipeline,
    'execution-id': '01234567-0123-0123-0123-012345678901',
    state: 'FAILED',
    version: 3,
  });
}
