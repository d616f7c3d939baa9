import type {
  AllRegionsEnvironmentList,
  EnvironmentList,
  EnvironmentSummary,
} from '../lib/environments/index.js';
import { statusSeverity } from '../lib/environments/index.js';
import { paint } from './style.js';

/** `ecspoc environments` for people: one line per environment, worst stack status coloured. */
export function renderEnvironments(
  list: EnvironmentList,
  stream: NodeJS.WriteStream = process.stdout,
): string {
  if (list.environments.length === 0)
    return `No ecspoc environment in ${list.region}.\nTry: ecspoc deploy --env NAME\n`;
  const header = `${'ENV'.padEnd(14)}${'STACKS'.padEnd(8)}${'WORST STATUS'.padEnd(30)}${'INSTANCES'.padEnd(11)}${'SERVICES'.padEnd(10)}LAST UPDATE`;
  const lines = [`Environments in ${list.region}`, '', header];
  for (const env of list.environments) {
    const severity = statusSeverity(env.worstStatus);
    const colour = severity >= 3 ? 'red' : severity > 0 ? 'yellow' : 'green';
    const instances = env.cluster.found ? String(env.cluster.instances) : '-';
    const services = env.cluster.found ? String(env.cluster.services) : '-';
    lines.push(
      `${env.env.padEnd(14)}${String(env.stacks).padEnd(8)}${paint(colour, env.worstStatus.padEnd(30), stream)}` +
        `${instances.padEnd(11)}${services.padEnd(10)}${(env.lastUpdated ?? '').replace('T', ' ').slice(0, 19)}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** One environment on one line, for a picker: "staging  6 stacks · CREATE_COMPLETE · 3 instances · 2 services". */
export function environmentLine(summary: EnvironmentSummary, width = summary.env.length): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const cluster = summary.cluster.found
    ? `${plural(summary.cluster.instances, 'instance')} · ${plural(summary.cluster.services, 'service')}`
    : 'no cluster';
  if (summary.adopted)
    return `${summary.env.padEnd(width)}  adopts cluster ${summary.cluster.name}${summary.cluster.found ? ` · ${cluster}` : ' (not found)'}`;
  return `${summary.env.padEnd(width)}  ${plural(summary.stacks, 'stack')} · ${summary.worstStatus} · ${cluster}`;
}

/** `ecspoc environments --all-regions` for people: the regions with environments, then those that could not be read. */
export function renderAllRegions(
  all: AllRegionsEnvironmentList,
  stream: NodeJS.WriteStream = process.stdout,
): string {
  const withEnvironments = all.regions.filter((list) => list.environments.length > 0);
  const parts = withEnvironments.map((list) => renderEnvironments(list, stream));
  const empty = all.regions.length - withEnvironments.length;
  if (withEnvironments.length === 0)
    parts.push(`No ecspoc environment in ${all.regions.length} region(s).\n`);
  else if (empty > 0) parts.push(`No ecspoc environment in the ${empty} other region(s) read.\n`);
  for (const failure of all.failures) parts.push(`${failure.region}: not read: ${failure.message}\n`);
  return parts.join('\n');
}
