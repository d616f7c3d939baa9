import type { ServiceWaiting } from '../events/waiting.js';
import type { DrainBlocker } from './blockers.js';

/** What `drain`, `activate` and `cycle` report as they go; a renderer draws these. */
export type InstanceEvent =
  | { type: 'instance-draining'; instanceId: string; tasks: number; batch?: number }
  | { type: 'standalone-stopped'; instanceId: string; count: number; batch?: number }
  | { type: 'instance-tasks'; instanceId: string; tasks: number; batch?: number }
  | { type: 'instance-drained'; instanceId: string; batch?: number }
  | { type: 'instance-activated'; instanceId: string }
  | { type: 'instance-terminated'; instanceId: string; batch: number }
  | {
      type: 'cycle-started';
      runId: string;
      resumed: boolean;
      instances: string[];
      desired: number;
      max: number;
    }
  | { type: 'batch-started'; batch: number; of: number; instances: string[] }
  | { type: 'max-raised'; from: number; to: number }
  | { type: 'surge-requested'; batch: number; from: number; to: number }
  | { type: 'surge-waiting'; batch: number; detail: string }
  | { type: 'surge-ready'; batch: number; instances: string[] }
  | { type: 'services-waiting'; batch: number; detail: string }
  | { type: 'batch-done'; batch: number; instances: string[] }
  | { type: 'cycle-finished'; replaced: number; desired: number; max: number }
  /** A service with a task on a draining instance: what changed since the last look (events once each). */
  | { type: 'service-watch'; waiting: ServiceWaiting; batch?: number }
  /** The tasks that keep an instance from draining (empty: none any more). */
  | { type: 'drain-blocked'; instanceId: string; blockers: DrainBlocker[]; batch?: number }
  | { type: 'note'; message: string };

/** Receives events; must not throw. */
export type EventSink = (event: InstanceEvent) => void;
