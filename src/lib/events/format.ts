import type { ClusterEvent, TaskEvent } from './parse.js';
import { arnId } from './parse.js';
import type { EventLine } from './select.js';

/** The output formats of `events tail`. */
export const EVENT_FORMATS = ['short', 'detailed', 'json'] as const;
export type EventFormat = (typeof EVENT_FORMATS)[number];

/** Colours the kind label (the terminal decides whether to); identity when colour is off. */
export type KindPainter = (label: string, event: ClusterEvent) => string;

/** The JSON object printed per event by `--format json`: the typed fields, and the event as AWS sent it. */
export interface EventJson {
  time: string;
  kind: ClusterEvent['kind'];
  id: string;
  summary: string;
  service?: string;
  taskId?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers?: TaskEvent['containers'];
  ec2InstanceId?: string;
  status?: string;
  agentConnected?: boolean;
  subject?: string;
  reason?: string;
  event: Record<string, unknown>;
}

const KIND_WIDTH = 'task-stopped'.length;

/**
 * One line per event for a person. A stopped task: `404/6f3c… stopped: EssentialContainerExited
 * (Essential container in task exited) — 404 exit 137 OutOfMemoryError: …`; an instance:
 * `i-0abc INACTIVE, agent disconnected`; a deploy: `ecspoc-dev-service-404 UPDATE_ROLLBACK_IN_PROGRESS — reason`.
 */
export function summarise(event: ClusterEvent): string {
  switch (event.kind) {
    case 'task-stopped':
    case 'task': {
      const who = `${event.service ?? event.group ?? 'task'}/${event.taskId}`;
      if (event.lastStatus !== 'STOPPED')
        return `${who} ${event.lastStatus ?? '?'} (desired ${event.desiredStatus ?? '?'})`;
      const code = event.stopCode ? ` ${event.stopCode}` : '';
      const why = event.stoppedReason ? ` (${event.stoppedReason})` : '';
      const containers = event.containers
        .filter((c) => c.exitCode !== undefined || c.reason)
        .map(
          (c) =>
            `${c.name}${c.exitCode !== undefined ? ` exit ${c.exitCode}` : ''}${c.reason ? ` ${c.reason}` : ''}`,
        );
      const where = event.containerInstanceArn ? ` on ${arnId(event.containerInstanceArn)}` : '';
      return `${who} stopped:${code}${why}${containers.length ? ` — ${containers.join('; ')}` : ''}${where}`;
    }
    case 'instance': {
      const agent =
        event.agentConnected === undefined
          ? ''
          : `, agent ${event.agentConnected ? 'connected' : 'disconnected'}`;
      const reason = event.statusReason ? ` — ${event.statusReason}` : '';
      const tasks =
        event.runningTasksCount !== undefined ? `, ${event.runningTasksCount} running task(s)` : '';
      return `${event.ec2InstanceId ?? arnId(event.containerInstanceArn ?? '?')} ${event.status ?? '?'}${agent}${tasks}${reason}`;
    }
    case 'deploy': {
      const label = event.what === 'pipeline' ? 'pipeline ' : event.what === 'api-call' ? 'API call ' : '';
      return `${label}${event.subject} ${event.status}${event.reason ? ` — ${event.reason}` : ''}`;
    }
    case 'other':
      return `${event.source} ${event.detailType}`;
  }
}

/** The JSON form of an event. */
export function toEventJson(event: ClusterEvent): EventJson {
  const json: EventJson = {
    time: event.time,
    kind: event.kind,
    id: event.id,
    summary: summarise(event),
    event: event.raw,
  };
  if (event.kind === 'task' || event.kind === 'task-stopped')
    Object.assign(json, {
      service: event.service,
      taskId: event.taskId,
      stopCode: event.stopCode,
      stoppedReason: event.stoppedReason,
      containers: event.containers,
    });
  else if (event.kind === 'instance')
    Object.assign(json, {
      ec2InstanceId: event.ec2InstanceId,
      status: event.status,
      agentConnected: event.agentConnected,
    });
  else if (event.kind === 'deploy')
    Object.assign(json, { subject: event.subject, status: event.status, reason: event.reason });
  return JSON.parse(JSON.stringify(json)) as EventJson;
}

/**
 * Formats events as lines. `short`: UTC time of day, kind, summary. `detailed`: the full UTC time, kind,
 * summary, the detail type and the event id. `json`: one EventJson per line.
 */
export class EventFormatter {
  constructor(
    readonly format: EventFormat,
    private readonly paint: KindPainter = (label) => label,
  ) {}

  /** The lines of a batch, each ending in a newline. */
  lines(batch: EventLine[]): string {
    let out = '';
    for (const line of batch) out += this.line(line.event);
    return out;
  }

  /** One line, ending in a newline. */
  line(event: ClusterEvent): string {
    if (this.format === 'json') return JSON.stringify(toEventJson(event)) + '\n';
    const kind = this.paint(event.kind.padEnd(KIND_WIDTH), event);
    if (this.format === 'short') return `${event.time.slice(11, 19)} ${kind} ${summarise(event)}\n`;
    return `${event.time} ${kind} ${summarise(event)} [${event.detailType} ${event.id}]\n`;
  }
}
