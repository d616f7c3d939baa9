import type { DoctorReport } from '../lib/doctor/index.js';
import { BaseCommand } from '../base-command.js';
import { paint } from '../ui/style.js';

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary =
    'Who and where am I, can I reach each service, which stacks of the environment exist';
  static override description =
    'Reports the account, caller identity, region, endpoint and profile in use; whether every AWS service ecspoc uses answers; ' +
    "the environment's stacks and their status; whether the programs ssh-config --via ssm|eice runs (aws, session-manager-plugin) are on PATH; " +
    'and every problem found with what to do about it. Changes nothing.';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --env staging --profile ops --json',
    'AWS_ENDPOINT_URL=http://127.0.0.1:5000 <%= config.bin %> doctor',
  ];
  static override enableJsonFlag = true;

  public async run(): Promise<DoctorReport> {
    const { settings, region, aws } = await this.awsContext();
    const { runDoctor } = await import('../lib/doctor/index.js');
    const report = await runDoctor(aws, {
      env: settings.env,
      region,
      endpointUrl: settings.endpointUrl,
      profile: settings.profile,
      ...(settings.services ? { services: settings.services } : {}),
      ...(settings.sshVia ? { sshVia: settings.sshVia } : {}),
    });
    if (!this.jsonEnabled()) process.stdout.write(renderDoctor(report));
    return report;
  }
}

/** The human-readable doctor report. */
export function renderDoctor(report: DoctorReport): string {
  const ok = (text: string) => paint('green', text, process.stdout);
  const bad = (text: string) => paint('red', text, process.stdout);
  const lines = [
    `environment  ${report.env}`,
    `account      ${report.account}`,
    `caller       ${report.callerArn}`,
    `region       ${report.region}`,
    `endpoint     ${report.endpoint}`,
    `profile      ${report.profile}`,
    `cloudtrail   ${report.trail.error ? `unknown (${report.trail.error})` : report.trail.trails.length > 0 ? report.trail.trails.join(', ') : 'no trail records this region'}`,
    '',
    'services',
    ...report.services.map(
      (s) =>
        `  ${s.ok ? ok('ok  ') : bad('FAIL')}  ${s.service.padEnd(22)} ${String(s.latencyMs).padStart(5)} ms${s.error ? `  ${s.error}` : ''}`,
    ),
    '',
    `stacks of ${report.env}`,
    ...(report.stacks.length === 0
      ? ['  (none)']
      : report.stacks.map(
          (s) => `  ${s.stackName.padEnd(36)} ${s.status.padEnd(24)} ${s.lastUpdated ?? ''}`,
        )),
    ...(report.stacks.length > 0 && report.missingComponents.length > 0
      ? [`  not deployed: ${report.missingComponents.join(', ')}`]
      : []),
    '',
    'tools on this machine',
    ...report.tools.map((t) =>
      t.path
        ? `  ${ok('ok  ')}  ${t.name.padEnd(22)} ${t.path}`
        : `  ${bad('none')}  ${t.name.padEnd(22)} needed by ${t.neededFor}. ${t.install}`,
    ),
    '',
    report.problems.length === 0 ? ok('No problems found.') : `${report.problems.length} problem(s):`,
    ...report.problems.flatMap((p) => [`  - ${p.message}`, `    Try: ${p.suggestion}`]),
  ];
  return lines.join('\n') + '\n';
}
