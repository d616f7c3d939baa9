/** How destroy looks: the plan before the question and the results after. Pure text functions. */
import type { DestroyPlan, DestroyResult } from '../lib/stacks/destroy.js';
import { paint } from './style.js';

/** The destroy plan as text: stacks dependents first, stores, what a DeletionPolicy keeps. */
export function renderDestroyPlan(plan: DestroyPlan, stream: NodeJS.WriteStream): string {
  const lines = [
    `Destroy plan for environment "${plan.env}": ${plan.targets.length} stack(s), dependents first`,
  ];
  for (const target of plan.targets) {
    const after = target.dependents.length ? `  (after ${target.dependents.join(', ')})` : '';
    lines.push(paint('red', `  - ${target.stackName.padEnd(38)} ${target.status}`, stream) + after);
  }
  for (const store of plan.stores) {
    lines.push(
      `  ${store.kind} ${store.name}: ${store.empty ? 'empty' : 'holds data (emptied only if you agree or pass --empty-buckets)'}`,
    );
  }
  for (const resource of plan.retained) {
    lines.push(
      `  kept (DeletionPolicy): ${resource.logicalId} ${resource.resourceType} ${resource.physicalId ?? ''}`,
    );
  }
  if (plan.foreign.length) lines.push(`  not part of the bundle, left alone: ${plan.foreign.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** The closing lines of a destroy: each stack, the count, and what was left in place. */
export function renderDestroyResult(
  result: DestroyResult,
  plan: DestroyPlan,
  stream: NodeJS.WriteStream,
): string {
  const lines: string[] = [];
  for (const stack of result.stacks) {
    const colour = stack.status === 'deleted' ? 'green' : stack.status === 'failed' ? 'red' : 'yellow';
    const emptied =
      stack.emptied && stack.emptied.objects + stack.emptied.images > 0
        ? ` (emptied: ${stack.emptied.objects} object(s), ${stack.emptied.images} image(s))`
        : '';
    lines.push(
      paint(
        colour,
        `${stack.stackName.padEnd(38)} ${stack.status.padEnd(8)} ${(stack.durationMs / 1000).toFixed(1).padStart(6)}s  ${stack.reason ?? ''}${emptied}`,
        stream,
      ),
    );
    if (stack.suggestion && stack.status === 'failed')
      lines.push(`${''.padEnd(38)} Try: ${stack.suggestion}`);
  }
  const deleted = result.stacks.filter((s) => s.status === 'deleted').length;
  lines.push(
    '',
    `Deleted ${deleted} of ${result.stacks.length} stack(s) of "${result.env}" in ${(result.durationMs / 1000).toFixed(1)}s.`,
  );
  if (result.retained.length > 0) {
    lines.push('Left in place (delete them yourself when no longer needed):');
    for (const resource of result.retained) {
      lines.push(
        `  ${resource.resourceType} ${resource.physicalId ?? resource.logicalId} (from ${resource.component})`,
      );
    }
  }
  if (plan.foreign.length) lines.push(`Not part of the bundle, left alone: ${plan.foreign.join(', ')}`);
  return lines.join('\n') + '\n';
}
