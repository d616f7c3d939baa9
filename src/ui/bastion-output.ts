import type { BastionEvent, BastionStatus } from '../lib/bastion/index.js';
import { paint } from './style.js';

/** `2h 13m`, `3d 4h`, `42s`: an uptime at a glance. */
export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}

/** The human-readable bastion status (stdout). */
export function renderBastionStatus(bastion: BastionStatus): string {
  const out = (format: Parameters<typeof paint>[0], text: string) => paint(format, text, process.stdout);
  if (bastion.state === 'missing') {
    return (
      [`bastion      none (${bastion.missingReason})`, `stack        ${bastion.stackName}`].join('\n') + '\n'
    );
  }
  const stateColour = bastion.state === 'running' ? 'green' : bastion.state === 'stopped' ? 'yellow' : 'cyan';
  const lines = [
    `bastion      ${bastion.instanceId}`,
    `stack        ${bastion.stackName}`,
    `state        ${out(stateColour, bastion.state)}`,
    `public       ${bastion.publicIp ?? '-'}${bastion.publicDnsName ? `  ${bastion.publicDnsName}` : ''}`,
    `private      ${bastion.privateIp ?? '-'}`,
    `type         ${bastion.instanceType ?? '-'}`,
    `uptime       ${
      bastion.uptimeSeconds !== undefined
        ? `${formatUptime(bastion.uptimeSeconds)} (since ${bastion.launchTime})`
        : `- (last started ${bastion.launchTime ?? 'never'}${bastion.lastStopped ? `, stopped ${bastion.lastStopped}` : ''})`
    }`,
    `parking      ${
      bastion.idleStop
        ? `idle stop after ${bastion.idleStop.minutes} min without SSH traffic (alarm ${bastion.idleStop.alarmName})`
        : `off (ecspoc deploy bastion --env ${bastion.env} --parameter bastion.IdleStopMinutes=30 turns it on)`
    }`,
  ];
  return lines.join('\n') + '\n';
}

/** Prints the progress of a start or stop on stderr, one plain line per change. */
export function bastionEventPrinter(): (event: BastionEvent) => void {
  return (event) => {
    const line =
      event.type === 'requested'
        ? `${event.action === 'start' ? 'Starting' : 'Stopping'} bastion ${event.instanceId} (was ${event.from})`
        : event.type === 'state'
          ? `bastion ${event.instanceId}: ${event.state}`
          : `bastion ${event.instanceId}: status checks ${event.status}`;
    process.stderr.write(line + '\n');
  };
}
