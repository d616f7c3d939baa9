import type { LogSource, SelectedLogGroup } from './types.js';

/**
 * Tags a stream of a group with its source: instance groups carry one stream per instance id; task
 * groups carry awslogs streams `<service>/<container>/<task-id>`; other groups are tagged by stream.
 */
export function sourceOf(group: SelectedLogGroup, stream: string): LogSource {
  if (group.kind === 'instance') return { kind: 'instance', name: group.label ?? group.name, id: stream };
  if (group.kind === 'task') {
    const parts = stream.split('/');
    if (parts.length >= 3) {
      return {
        kind: 'task',
        name: group.label ?? parts[0],
        id: parts[parts.length - 1],
        container: parts.slice(1, -1).join('/'),
      };
    }
    return { kind: 'task', name: group.label ?? group.name, id: stream };
  }
  return { kind: 'group', name: group.name, id: stream };
}

/** The short tag printed before a line: `ecs-agent i-0abc`, `404 3f2a…` or `404/envoy 3f2a…`. */
export function sourceTag(source: LogSource): string {
  const name =
    source.kind === 'task' && source.container && source.container !== source.name
      ? `${source.name}/${source.container}`
      : source.name;
  return `${name} ${source.id}`;
}
