import { describeWaiting, type ServiceWaiting } from '../events/waiting.js';

/**
 * The typed vocabulary the stack engine reports in: what a change set would do, what
 * CloudFormation is doing to a resource, and how each stack ended. Renderers draw these; the
 * engine never writes to the terminal.
 */

/** What a change set does to one resource. */
export type ChangeAction = 'add' | 'modify' | 'remove' | 'import' | 'dynamic';

/** Whether a modified resource is replaced: CloudFormation's own three answers. */
export type Replacement = 'True' | 'False' | 'Conditional';

/** One resource change of a change set. */
export interface ResourceChange {
  action: ChangeAction;
  logicalId: string;
  resourceType: string;
  physicalId?: string;
  /** Only for `modify`. */
  replacement?: Replacement;
  /** What part of the resource changes (Properties, Metadata, Tags…). */
  scope?: string[];
  /** Names of the properties that change, where CloudFormation says. */
  properties?: string[];
}

/** One stack event of one resource (or of the stack itself). */
export interface ResourceEvent {
  timestamp: string;
  logicalId: string;
  resourceType: string;
  status: string;
  physicalId?: string;
  reason?: string;
}

/** The first resource that failed in an operation, and why: the line an operator needs. */
export interface FailedResource {
  logicalId: string;
  resourceType: string;
  status: string;
  reason: string;
}

/** Something happening to one stack, reported while it happens. */
export type StackActivity =
  | { kind: 'waiting'; status: string }
  | { kind: 'planning' }
  | { kind: 'planned'; changes: ResourceChange[]; empty: boolean }
  | { kind: 'deleting'; status: string }
  | { kind: 'executing'; changeSetType: 'CREATE' | 'UPDATE' }
  | { kind: 'resource'; event: ResourceEvent }
  | { kind: 'note'; message: string }
  /** A service resource of the stack is waiting for steady state: what the service itself says. */
  | { kind: 'service-waiting'; logicalId: string; waiting: ServiceWaiting };

/** A sink for activity of one stack. */
export type ActivitySink = (activity: StackActivity) => void;

/** A terse one-line description of an activity, for progress displays. */
export function describeActivity(activity: StackActivity): string {
  switch (activity.kind) {
    case 'waiting':
      return `waiting: stack is ${activity.status}`;
    case 'planning':
      return 'creating change set';
    case 'planned':
      return activity.empty ? 'no changes' : summariseChanges(activity.changes);
    case 'deleting':
      return `deleting the stack (${activity.status}) to create it again`;
    case 'executing':
      return activity.changeSetType === 'CREATE' ? 'creating' : 'updating';
    case 'resource': {
      const e = activity.event;
      return `${e.status} ${e.resourceType} ${e.logicalId}${e.reason ? ` (${e.reason})` : ''}`;
    }
    case 'note':
      return activity.message;
    case 'service-waiting': {
      const w = activity.waiting;
      const said = w.events.length ? ` — ${w.events[w.events.length - 1].message}` : '';
      return `waiting on service ${describeWaiting(w)}${said}`;
    }
  }
}

/** "3 to add, 1 to modify (1 replaced), 2 to remove"; with `done`, "3 added, 1 modified (1 replaced)…". */
export function summariseChanges(changes: ResourceChange[], done = false): string {
  if (changes.length === 0) return 'no resource changes';
  const verb = (future: string, past: string) => (done ? past : `to ${future}`);
  const count = (action: ChangeAction) => changes.filter((c) => c.action === action).length;
  const replaced = changes.filter((c) => c.action === 'modify' && c.replacement === 'True').length;
  const maybe = changes.filter((c) => c.action === 'modify' && c.replacement === 'Conditional').length;
  const parts: string[] = [];
  if (count('add')) parts.push(`${count('add')} ${verb('add', 'added')}`);
  if (count('modify')) {
    const notes = [replaced ? `${replaced} replaced` : '', maybe ? `${maybe} maybe replaced` : '']
      .filter(Boolean)
      .join(', ');
    parts.push(`${count('modify')} ${verb('modify', 'modified')}${notes ? ` (${notes})` : ''}`);
  }
  if (count('remove')) parts.push(`${count('remove')} ${verb('remove', 'removed')}`);
  if (count('import')) parts.push(`${count('import')} ${verb('import', 'imported')}`);
  if (count('dynamic')) parts.push(`${count('dynamic')} dynamic`);
  return parts.join(', ');
}

/** True when a change destroys something: a removal or a (possible) replacement. */
export function isDestructive(change: ResourceChange): boolean {
  return (
    change.action === 'remove' ||
    (change.action === 'modify' && (change.replacement === 'True' || change.replacement === 'Conditional'))
  );
}
