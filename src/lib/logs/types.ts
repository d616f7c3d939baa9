/** Shared types of the log tail engine. */

import { pause, systemClock } from '../time/clock.js';

/** What kind of log group an event came from. */
export type LogGroupKind = 'instance' | 'task' | 'group';

/** A log group chosen for tailing. */
export interface SelectedLogGroup {
  name: string;
  /** ARN without the trailing `:*` (Live Tail wants it); absent when DescribeLogGroups gave none. */
  arn?: string;
  kind: LogGroupKind;
  /** Instance log file (`ecs-agent`) or service name (`404`), for instance and task groups. */
  label?: string;
  /** Only these streams (instance ids for instance groups); all streams when absent. */
  streamNames?: string[];
}

/** Where a line came from: the file or service, and the instance or task. */
export interface LogSource {
  kind: LogGroupKind;
  /** The file (`ecs-agent`), the service (`404`) or, for other groups, the group name. */
  name: string;
  /** The instance id, the task id or, for other groups, the stream name. */
  id: string;
  /** The container of a task stream (`<service>/<container>/<task-id>`). */
  container?: string;
}

/** One log event, tagged with its source. */
export interface LogEvent {
  group: string;
  stream: string;
  timestamp: number;
  ingestionTime?: number;
  /** Unique within its group; Live Tail events have none. */
  eventId?: string;
  message: string;
  source: LogSource;
}

/** Something the operator may want to know while tailing; rendered on stderr. */
export type TailNotice =
  | { type: 'throttled'; group: string; retryInMs: number }
  | { type: 'token-expired'; group: string }
  | { type: 'following'; groups: number }
  | { type: 'live-started'; groups: number; sessionId?: string }
  | { type: 'live-sampled' }
  | { type: 'live-restarting'; reason: string };

/** Where the engine delivers lines and notices. A returned promise is awaited (backpressure). */
export interface TailSink {
  events(batch: LogEvent[]): void | Promise<void>;
  notice(notice: TailNotice): void;
}

/** Sleeps `ms`, or less when `signal` aborts; injected so tests never sleep for real. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A real sleep that ends early on abort: the one system clock's sleep, for loops that check the signal. */
export const realSleep: Sleep = (ms, signal) => pause(systemClock, ms, signal);
