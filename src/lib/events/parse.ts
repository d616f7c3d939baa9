/**
 * EventBridge events as the bundle's rules deliver them to the events log group: one JSON event per
 * log line, exactly as AWS sends it (ECS "Task State Change" and "Container Instance State Change",
 * CloudFormation "Stack Status Change", CodePipeline "Pipeline Execution State Change", and the
 * CloudTrail "AWS API Call" of a failed pipeline call). Field names follow AWS's documented examples.
 */

/** What an event is about, as `--kind` names it. */
export type EventKind = 'task-stopped' | 'task' | 'instance' | 'deploy' | 'other';

/** One container of a task event: its exit code and why it stopped. */
export interface ContainerOutcome {
  name: string;
  lastStatus?: string;
  exitCode?: number;
  reason?: string;
}

/** Fields every rendered event carries. */
interface EventBase {
  /** EventBridge's event id: the same event caught by two rules has the same id. */
  id: string;
  /** The event's own time (ISO-8601), or the log line's when the event has none. */
  time: string;
  detailType: string;
  source: string;
  /** The event as EventBridge delivered it. */
  raw: Record<string, unknown>;
}

/** A task state change; `task-stopped` when it stopped because an essential container exited or it never started. */
export interface TaskEvent extends EventBase {
  kind: 'task-stopped' | 'task';
  taskId: string;
  taskArn: string;
  /** The service of a service task (from `group: service:NAME`). */
  service?: string;
  group?: string;
  lastStatus?: string;
  desiredStatus?: string;
  stopCode?: string;
  stoppedReason?: string;
  containerInstanceArn?: string;
  containers: ContainerOutcome[];
}

/** A container instance state change. */
export interface InstanceEvent extends EventBase {
  kind: 'instance';
  ec2InstanceId?: string;
  containerInstanceArn?: string;
  status?: string;
  statusReason?: string;
  agentConnected?: boolean;
  runningTasksCount?: number;
}

/** A failed stack operation, pipeline run or pipeline API call. */
export interface DeployEvent extends EventBase {
  kind: 'deploy';
  /** The stack, pipeline or API call that failed. */
  subject: string;
  what: 'stack' | 'pipeline' | 'api-call';
  status: string;
  reason?: string;
}

/** Any other event that reached the group (a rule added by hand). */
export interface OtherEvent extends EventBase {
  kind: 'other';
}

/** One event of the events log group, typed by what it is about. */
export type ClusterEvent = TaskEvent | InstanceEvent | DeployEvent | OtherEvent;

/** The stop codes that mean a task failed, not that something stopped it on purpose. */
const FAILED_STOP_CODES = new Set(['EssentialContainerExited', 'TaskFailedToStart']);

type Json = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const obj = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});

/** The last path segment of an ARN (`…:task/cluster/6f3c…` → `6f3c…`). */
export function arnId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * Parses one log line of the events group. Undefined when the line is not an EventBridge event (so a
 * stray line is skipped, never fatal). `fallbackTime` (epoch ms) is the log line's timestamp.
 */
export function parseEvent(message: string, fallbackTime: number): ClusterEvent | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const event = raw as Json;
  const detailType = str(event['detail-type']);
  const source = str(event.source);
  if (!detailType || !source) return undefined;
  const detail = obj(event.detail);
  const base: EventBase = {
    id: str(event.id) ?? `${fallbackTime}:${message.length}`,
    time: normaliseTime(event.time, fallbackTime),
    detailType,
    source,
    raw: event,
  };

  if (source === 'aws.ecs' && detailType === 'ECS Task State Change') {
    const taskArn = str(detail.taskArn) ?? '';
    const group = str(detail.group);
    const lastStatus = str(detail.lastStatus);
    const stopCode = str(detail.stopCode);
    const containers = Array.isArray(detail.containers) ? detail.containers : [];
    return {
      ...base,
      kind: lastStatus === 'STOPPED' && stopCode && FAILED_STOP_CODES.has(stopCode) ? 'task-stopped' : 'task',
      taskArn,
      taskId: arnId(taskArn),
      group,
      service: group?.startsWith('service:') ? group.slice('service:'.length) : undefined,
      lastStatus,
      desiredStatus: str(detail.desiredStatus),
      stopCode,
      stoppedReason: str(detail.stoppedReason),
      containerInstanceArn: str(detail.containerInstanceArn),
      containers: containers.map((c) => {
        const container = obj(c);
        return {
          name: str(container.name) ?? '?',
          lastStatus: str(container.lastStatus),
          exitCode: num(container.exitCode),
          reason: str(container.reason),
        };
      }),
    };
  }
  if (source === 'aws.ecs' && detailType === 'ECS Container Instance State Change') {
    return {
      ...base,
      kind: 'instance',
      ec2InstanceId: str(detail.ec2InstanceId),
      containerInstanceArn: str(detail.containerInstanceArn),
      status: str(detail.status),
      statusReason: str(detail.statusReason),
      agentConnected: typeof detail.agentConnected === 'boolean' ? detail.agentConnected : undefined,
      runningTasksCount: num(detail.runningTasksCount),
    };
  }
  if (source === 'aws.cloudformation' && detailType === 'CloudFormation Stack Status Change') {
    const stackId = str(detail['stack-id']) ?? '';
    const status = obj(detail['status-details']);
    return {
      ...base,
      kind: 'deploy',
      what: 'stack',
      // arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/GUID
      subject: stackId.split('/')[1] ?? stackId,
      status: str(status.status) ?? 'UNKNOWN',
      reason: str(status['status-reason']),
    };
  }
  if (source === 'aws.codepipeline' && detailType === 'CodePipeline Pipeline Execution State Change') {
    return {
      ...base,
      kind: 'deploy',
      what: 'pipeline',
      subject: str(detail.pipeline) ?? '?',
      status: str(detail.state) ?? 'UNKNOWN',
      reason: str(detail['execution-id']) ? `execution ${str(detail['execution-id'])}` : undefined,
    };
  }
  if (detailType === 'AWS API Call via CloudTrail') {
    const request = obj(detail.requestParameters);
    const stack = str(request.stackName);
    return {
      ...base,
      kind: 'deploy',
      what: 'api-call',
      subject: `${str(detail.eventName) ?? 'call'}${stack ? ` ${stack.split('/')[1] ?? stack}` : ''}`,
      status: str(detail.errorCode) ?? 'failed',
      reason: str(detail.errorMessage),
    };
  }
  return { ...base, kind: 'other' };
}

/** EventBridge's `time` is ISO-8601; anything else falls back to the log line's timestamp. */
function normaliseTime(value: unknown, fallback: number): string {
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return new Date(fallback).toISOString();
}
