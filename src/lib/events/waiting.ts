/** What a waiting service is doing, in words; no SDK here, so progress renderers load fast. */
import { arnId, type ContainerOutcome } from './parse.js';

export { arnId };

/** The last stopped task of a service and why it stopped. */
export interface StoppedTask {
  taskId: string;
  stopCode?: string;
  stoppedReason?: string;
  stoppedAt?: string;
  containers: ContainerOutcome[];
}

/** A service's PRIMARY deployment: its rollout and task counts (the circuit breaker counts `failed`). */
export interface DeploymentState {
  /** IN_PROGRESS, COMPLETED or FAILED (the circuit breaker rolled back). */
  rolloutState?: string;
  rolloutStateReason?: string;
  running: number;
  desired: number;
  pending: number;
  /** Tasks of the primary deployment that failed to start or stopped. */
  failed: number;
}

/** What a service is doing while something waits on it: reported only when it changed. */
export interface ServiceWaiting extends DeploymentState {
  cluster: string;
  service: string;
  /** ECS service events not reported before, oldest first. */
  events: { id: string; createdAt: string; message: string }[];
  lastStopped?: StoppedTask;
}

/** The service named by an ECS service ARN (`arn:…:service/CLUSTER/NAME`), as CloudFormation gives it. */
export function serviceFromArn(arn: string): { cluster: string; service: string } | undefined {
  const match = /:service\/([^/]+)\/([^/]+)$/.exec(arn);
  return match ? { cluster: match[1], service: match[2] } : undefined;
}

/** One line for a person: `404 rollout IN_PROGRESS, 0/2 running, 3 failed; last stopped: …`. */
export function describeWaiting(waiting: ServiceWaiting): string {
  const rollout = waiting.rolloutState ? ` rollout ${waiting.rolloutState}` : '';
  const failed = waiting.failed ? `, ${waiting.failed} failed` : '';
  const stopped = waiting.lastStopped ? `; last stopped: ${describeStopped(waiting.lastStopped)}` : '';
  return `${waiting.service}${rollout}, ${waiting.running}/${waiting.desired} running${failed}${stopped}`;
}

/** What a wait prints of a change: each new service event once, then the service's state. */
export function waitingLines(waiting: ServiceWaiting): string[] {
  return [
    ...waiting.events.map((event) => `service ${waiting.service}: ${event.message}`),
    `service ${describeWaiting(waiting)}`,
  ];
}

/** `6f3c… EssentialContainerExited (Essential container in task exited) — web exit 137 OutOfMemoryError…`. */
export function describeStopped(task: StoppedTask): string {
  const containers = task.containers
    .filter((c) => c.exitCode !== undefined || c.reason)
    .map(
      (c) =>
        `${c.name}${c.exitCode !== undefined ? ` exit ${c.exitCode}` : ''}${c.reason ? ` ${c.reason}` : ''}`,
    );
  return (
    `${task.taskId}${task.stopCode ? ` ${task.stopCode}` : ''}${task.stoppedReason ? ` (${task.stoppedReason})` : ''}` +
    (containers.length ? ` — ${containers.join('; ')}` : '')
  );
}
