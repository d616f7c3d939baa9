import { SeenEvents } from '../logs/dedupe.js';
import type { LogEvent, TailNotice, TailSink } from '../logs/types.js';
import { environmentComponent } from '../stacks/names.js';
import { parseEvent, type ClusterEvent } from './parse.js';

/** The values of `--kind`. */
export const EVENT_KINDS = ['task-stopped', 'instance', 'deploy', 'task', 'all'] as const;
export type EventKindChoice = (typeof EVENT_KINDS)[number];

/** Which events to show: kinds (absent: the alerts) and services. */
export interface EventSelection {
  env: string;
  /** Absent or empty: the alerts the three alert rules catch (task-stopped, instance INACTIVE, deploy). */
  kinds?: EventKindChoice[];
  /** Only events of these services (task events, and deploy events of their stacks and pipelines). */
  services?: string[];
}

/**
 * How long after an event another copy of it may still arrive. Each rule that matches an event
 * delivers its own copy (the essential-container rule and the task firehose both catch a failed
 * task), within seconds of each other; ten minutes is far beyond that and keeps memory bounded.
 */
const DUPLICATE_WINDOW_MS = 10 * 60_000;

/** The stack a deploy event names (a stack status change, or the stack of a failed API call), if any. */
function stackOf(event: ClusterEvent): string | undefined {
  if (event.kind !== 'deploy' || event.what === 'pipeline') return undefined;
  const name = event.subject.split(' ').pop() ?? '';
  return name.startsWith('ecspoc-') ? name : undefined;
}

/**
 * False for a deploy event of another environment's stack. The stack rule matches stack ids by the
 * prefix `ecspoc-<env>-` (EventBridge patterns have no "prefix but not a longer one"), so environment
 * `dev`'s rule also catches the stacks of `dev-x`; their name says whose they are.
 */
export function ofEnvironment(event: ClusterEvent, env: string): boolean {
  const stack = stackOf(event);
  return stack === undefined || environmentComponent(env, stack) !== undefined;
}

/** The service an event belongs to, if any: a service task's group, or a service or pipeline stack. */
export function serviceOf(event: ClusterEvent, env: string): string | undefined {
  if (event.kind === 'task' || event.kind === 'task-stopped') return event.service;
  if (event.kind !== 'deploy') return undefined;
  const stack = stackOf(event);
  if (stack !== undefined) {
    const component = environmentComponent(env, stack) ?? '';
    for (const kind of ['service-', 'pipeline-'])
      if (component.startsWith(kind)) return component.slice(kind.length);
    return undefined;
  }
  // Pipelines are named ecspoc-<env>-<service>.
  const prefix = `ecspoc-${env}-`;
  return event.what === 'pipeline' && event.subject.startsWith(prefix)
    ? event.subject.slice(prefix.length)
    : undefined;
}

/** True when `event` is one the selection asks for. */
export function selects(event: ClusterEvent, selection: EventSelection): boolean {
  const kinds = selection.kinds ?? [];
  let kindMatches: boolean;
  if (kinds.length === 0) kindMatches = isAlert(event);
  else if (kinds.includes('all')) kindMatches = true;
  else kindMatches = kinds.includes(event.kind as EventKindChoice);
  if (!kindMatches || !ofEnvironment(event, selection.env)) return false;
  if (!selection.services?.length) return true;
  const service = serviceOf(event, selection.env);
  return service !== undefined && selection.services.includes(service);
}

/** What the alert rules catch: a task whose essential container exited, an instance gone INACTIVE, a failed deploy. */
export function isAlert(event: ClusterEvent): boolean {
  if (event.kind === 'task-stopped' || event.kind === 'deploy') return true;
  return event.kind === 'instance' && event.status === 'INACTIVE';
}

/** A log line of the events group with its parsed event. */
export type EventLine = LogEvent & { event: ClusterEvent };

/** Where selected events go: the same contract as the log tail's sink, with parsed events. */
export interface EventSink {
  events(batch: EventLine[]): void | Promise<void>;
  notice(notice: TailNotice): void;
}

/**
 * Adapts the log tail engine's sink to events: parses each line, keeps those the selection asks for,
 * and drops a second copy of an event already passed on (same EventBridge id), remembering ids only
 * for a bounded window. Lines that are not events are skipped and counted.
 */
export class EventSelector implements TailSink {
  private readonly seen = new SeenEvents();
  private latest = 0;
  /** Lines that were not EventBridge events. */
  skipped = 0;
  /** Events passed on. */
  shown = 0;

  constructor(
    private readonly selection: EventSelection,
    private readonly sink: EventSink,
  ) {}

  events(batch: LogEvent[]): void | Promise<void> {
    const kept: EventLine[] = [];
    for (const line of batch) {
      const event = parseEvent(line.message, line.timestamp);
      if (!event) {
        this.skipped += 1;
        continue;
      }
      if (!this.seen.add(event.id, line.timestamp)) continue;
      if (line.timestamp > this.latest) {
        this.latest = line.timestamp;
        this.seen.forgetBefore(this.latest - DUPLICATE_WINDOW_MS);
      }
      if (selects(event, this.selection)) kept.push({ ...line, event });
    }
    if (kept.length === 0) return;
    this.shown += kept.length;
    return this.sink.events(kept);
  }

  notice(notice: TailNotice): void {
    this.sink.notice(notice);
  }
}
