import { describeStopped } from '../lib/events/waiting.js';
import type { EnvironmentStatus } from '../lib/status/index.js';
import { paint } from './style.js';

/** `ecspoc status` for people: stacks, cluster, services, bastion, then what needs attention. */
export function renderStatus(status: EnvironmentStatus, stream: NodeJS.WriteStream = process.stdout): string {
  const good = /_COMPLETE$/;
  const lines = status.adopted
    ? [`Cluster ${status.cluster.name} (not deployed by ecspoc: no stacks)`]
    : [`Environment "${status.env}"`, '', 'Stacks'];
  for (const stack of status.stacks) {
    const colour =
      stack.status === 'NOT_DEPLOYED'
        ? 'dim'
        : /FAILED|ROLLBACK/.test(stack.status)
          ? 'red'
          : good.test(stack.status)
            ? 'green'
            : 'yellow';
    const when = stack.lastUpdated ? stack.lastUpdated.replace('T', ' ').slice(0, 19) : '';
    lines.push(`  ${stack.component.padEnd(22)} ${paint(colour, stack.status.padEnd(28), stream)} ${when}`);
  }
  const { instances } = status.cluster;
  lines.push(
    '',
    status.cluster.found
      ? `Cluster ${status.cluster.name}: ${instances.total} container instance(s): ${instances.active} active, ${instances.draining} draining` +
          `${instances.other ? `, ${instances.other} other` : ''}; ${status.cluster.runningTasks} task(s) running`
      : `Cluster ${status.cluster.name}: not found`,
  );
  if (status.services.length > 0) {
    lines.push('', 'Services');
    for (const service of status.services) {
      const short = service.running < service.desired;
      lines.push(
        `  ${service.name.padEnd(22)} ${service.status.padEnd(9)} ${paint(short ? 'yellow' : 'green', `${service.running}/${service.desired} running`, stream)}` +
          `${service.pending ? `, ${service.pending} pending` : ''}${service.deployments > 1 ? `, rollout ${service.rollout ?? 'in progress'} (${service.deployments} deployments)` : service.rollout ? `, ${service.rollout === 'FAILED' ? 'rollout ' : ''}${service.rollout.toLowerCase()}` : ''}` +
          `${service.deployment?.failed ? paint('red', `, ${service.deployment.failed} task(s) failed`, stream) : ''}` +
          `${service.image ? `  ${service.image}` : ''}`,
      );
      if (service.deployment?.rolloutStateReason && service.deployment.rolloutState === 'FAILED')
        lines.push(`  ${''.padEnd(22)} rolled back: ${service.deployment.rolloutStateReason}`);
      if (service.lastStopped)
        lines.push(`  ${''.padEnd(22)} last stopped: ${describeStopped(service.lastStopped)}`);
      if (service.moreEvents) lines.push(`  ${''.padEnd(22)} more: ${service.moreEvents}`);
    }
  }
  const bastion = status.bastion;
  lines.push(
    '',
    bastion.instanceId
      ? `Bastion ${bastion.instanceId}: ${bastion.state}${bastion.publicIp ? `, ${bastion.publicIp}` : ''}`
      : `Bastion: ${bastion.state}`,
    '',
  );
  if (status.attention.length === 0) {
    lines.push(paint('green', 'Nothing needs attention.', stream));
  } else {
    lines.push(`Needs attention (${status.attention.length})`);
    for (const item of status.attention) lines.push(`  - ${item.message}`, `    Try: ${item.suggestion}`);
  }
  return lines.join('\n') + '\n';
}
