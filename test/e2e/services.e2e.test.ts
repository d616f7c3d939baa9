import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, describe, expect, it } from '@jest/globals';

import { hashedPriority } from '../../src/lib/stacks/priorities.js';
import { runCli } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';

/**
 * The operator's own services against moto_server: a config file declaring three services (one
 * with a pipeline, one with only an image, one worker) deploys them and no sample stack; the ECS
 * and ELBv2 APIs show exactly the declared values; taking one out and `deploy --prune --yes`
 * deletes its stack and nothing else. moto's ECS Service ignores LoadBalancers in CloudFormation
 * (MOTO.md), so the service-to-target-group link is not checked here: the template test checks
 * it is declared, and the target group and rule are checked through ELBv2.
 */
const ENV = 'svc';
const SSH = '--parameter=SshCidr=127.0.0.1/32';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:svc/db-AbCdEf';
const PARAMETER = 'arn:aws:ssm:us-east-1:123456789012:parameter/svc/queue-url';
const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

const dir = mkdtempSync(join(tmpdir(), 'ecspoc-services-'));
const configFile = join(dir, 'config.yml');
const WEB = `  - name: web
    repository: acme/web
    branch: release
    port: 8080
    cpu: 512
    memory: 1024
    count: 2
    paths: ["/web/*", "/static/*"]
    healthCheck: {path: /health, codes: "200-299", grace: 30}
    environment: {LOG_LEVEL: info}
    secrets: {DB_PASSWORD: ${SECRET}}
    policies: [${POLICY}]
`;
const API = `  - name: api
    image: public.ecr.aws/docker/library/httpd:2.4
    port: 3000
    count: 1
    hosts: ["api.example.com"]
    paths: ["/v1/*"]
`;
const JOBS = `  - name: jobs
    image: public.ecr.aws/docker/library/busybox:stable
    cpu: 128
    memory: 256
    count: 3
    secrets: {QUEUE_URL: ${PARAMETER}}
`;
const withConfig = (text: string) => {
  writeFileSync(configFile, text);
  return { env: { ECSPOC_CONFIG: configFile } };
};

const cfn = new CloudFormationClient(clientConfig());
const ecs = new ECSClient(clientConfig());
const elb = new ElasticLoadBalancingV2Client(clientConfig());
afterAll(() => {
  cfn.destroy();
  ecs.destroy();
  elb.destroy();
});

async function liveComponents(): Promise<string[]> {
  const live = Object.values(StackStatus).filter((s) => s !== 'DELETE_COMPLETE');
  const response = await cfn.send(new ListStacksCommand({ StackStatusFilter: live }));
  return (response.StackSummaries ?? [])
    .map((s) => s.StackName!)
    .filter((name) => name.startsWith(`ecspoc-${ENV}-`))
    .map((name) => name.slice(`ecspoc-${ENV}-`.length))
    .sort();
}

describe('services declared in the config file', () => {
  it('refuses a bad port and a duplicate name in one message, before any AWS call', async () => {
    const result = await runCli(
      ['deploy', '--env', ENV, '--yes', SSH],
      withConfig(`services:\n${API}  - name: api\n    image: x:1\n    port: 70000\n`),
    );
    expect(result.code).toBe(2);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('Error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/"port" must be a port number from 1 to 65535 \(got 70000\)/);
    expect(errors[0]).toMatch(/service name "api" is declared twice/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await liveComponents()).toEqual([]);
  });

  it('refuses an unknown key with a suggestion, and overlapping routes', async () => {
    const typo = await runCli(
      ['diff', '--env', ENV],
      withConfig(`services:\n  - name: api\n    image: x:1\n    prot: 80\n`),
    );
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown key "prot" \(did you mean "port"\?\)/);
    const overlap = await runCli(
      ['diff', '--env', ENV],
      withConfig(
        `services:\n  - {name: a, image: x, port: 80, paths: ["/api/*"]}\n  - {name: b, image: x, port: 80, paths: ["/api/v1"]}\n`,
      ),
    );
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/"a" and "b" both match path "\/api\/\*" and "\/api\/v1" on any host/);
  });

  it('deploys the declared services and no sample stack', async () => {
    const result = await runCli(
      ['deploy', '--env', ENV, '--yes', SSH, '--json'],
      withConfig(`services:\n${WEB}${API}${JOBS}`),
    );
    expect(result.code).toBe(0);
    const deployed = JSON.parse(result.stdout);
    expect(deployed.ok).toBe(true);
    expect(await liveComponents()).toEqual(
      [
        'bastion',
        'bootstrap',
        'cluster',
        'load-balancer',
        'network',
        'pipeline-web',
        'registry-web',
        'service-api',
        'service-jobs',
        'service-web',
      ].sort(),
    );
  });

  it('runs each task definition and service with exactly the declared values', async () => {
    const cluster = `ecspoc-${ENV}`;
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster, services: ['web', 'api', 'jobs'] }),
    );
    const byName = Object.fromEntries((services ?? []).map((s) => [s.serviceName, s]));
    expect(byName.web?.desiredCount).toBe(2);
    expect(byName.api?.desiredCount).toBe(1);
    expect(byName.jobs?.desiredCount).toBe(3);

    const definition = async (name: string) =>
      (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: byName[name]!.taskDefinition! })))
        .taskDefinition!;
    // moto's CloudFormation passes only Memory of a task definition on to ECS (not Cpu, MOTO.md), and
    // returns memory as a number; on AWS both come back as strings. The cpu is checked as the stack
    // was given it, the memory through ECS.
    const cpuOf = async (name: string) => {
      const { Stacks } = await cfn.send(
        new DescribeStacksCommand({ StackName: `ecspoc-${ENV}-service-${name}` }),
      );
      return Stacks![0]!.Parameters!.find((p) => p.ParameterKey === 'Cpu')!.ParameterValue;
    };
    const web = await definition('web');
    expect([await cpuOf('web'), String(web.memory)]).toEqual(['512', '1024']);
    const webContainer = web.containerDefinitions![0]!;
    expect(webContainer.portMappings?.map((p) => p.containerPort)).toEqual([8080]);
    expect(webContainer.environment).toEqual(expect.arrayContaining([{ name: 'LOG_LEVEL', value: 'info' }]));
    expect(webContainer.secrets).toEqual([{ name: 'DB_PASSWORD', valueFrom: SECRET }]);
    // Before the pipeline's first push the service runs the placeholder image.
    expect(webContainer.image).toBe('public.ecr.aws/nginx/nginx:stable');

    const api = await definition('api');
    expect([await cpuOf('api'), String(api.memory)]).toEqual(['256', '512']);
    expect(api.containerDefinitions![0]!.image).toBe('public.ecr.aws/docker/library/httpd:2.4');
    expect(api.containerDefinitions![0]!.portMappings?.map((p) => p.containerPort)).toEqual([3000]);
    expect(api.containerDefinitions![0]!.secrets ?? []).toEqual([]);

    const jobs = await definition('jobs');
    expect([await cpuOf('jobs'), String(jobs.memory)]).toEqual(['128', '256']);
    expect(jobs.containerDefinitions![0]!.portMappings ?? []).toEqual([]);
    expect(jobs.containerDefinitions![0]!.secrets).toEqual([{ name: 'QUEUE_URL', valueFrom: PARAMETER }]);
  });

  it('gives each routed service its target group and listener rule, and the worker none', async () => {
    const { LoadBalancers } = await elb.send(
      new DescribeLoadBalancersCommand({ Names: [`ecspoc-${ENV}-alb`] }),
    );
    const all = await elb.send(new DescribeTargetGroupsCommand({}));
    const groups = Object.fromEntries((all.TargetGroups ?? []).map((g) => [g.TargetGroupName, g]));
    expect(Object.keys(groups).sort()).toEqual([`ecspoc-${ENV}-api`, `ecspoc-${ENV}-web`]);
    const web = groups[`ecspoc-${ENV}-web`]!;
    expect([web.Port, web.HealthCheckPath, web.Matcher?.HttpCode]).toEqual([8080, '/health', '200-299']);
    expect(groups[`ecspoc-${ENV}-api`]!.Port).toBe(3000);

    const { Listeners } = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: LoadBalancers![0]!.LoadBalancerArn }),
    );
    const { Rules } = await elb.send(new DescribeRulesCommand({ ListenerArn: Listeners![0]!.ListenerArn }));
    const rules = (Rules ?? []).filter((r) => !r.IsDefault);
    const forward = (arn: string | undefined) => rules.find((r) => r.Actions?.[0]?.TargetGroupArn === arn)!;
    const webRule = forward(web.TargetGroupArn);
    expect(webRule.Priority).toBe(String(hashedPriority('web')));
    expect(webRule.Conditions?.map((c) => [c.Field, c.PathPatternConfig?.Values ?? c.Values])).toEqual([
      ['path-pattern', ['/web/*', '/static/*']],
    ]);
    const apiRule = forward(groups[`ecspoc-${ENV}-api`]!.TargetGroupArn);
    expect(apiRule.Priority).toBe(String(hashedPriority('api')));
    expect(
      apiRule.Conditions?.map((c) => [
        c.Field,
        c.HostHeaderConfig?.Values ?? c.PathPatternConfig?.Values ?? c.Values,
      ]),
    ).toEqual([
      ['path-pattern', ['/v1/*']],
      ['host-header', ['api.example.com']],
    ]);
    expect(rules).toHaveLength(2);
  });

  it('lists every declared service in status --json', async () => {
    const result = await runCli(
      ['status', '--env', ENV, '--json'],
      withConfig(`services:\n${WEB}${API}${JOBS}`),
    );
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    const services = Object.fromEntries(
      status.services.map((s: { name: string; desired: number; declared?: boolean; image?: string }) => [
        s.name,
        [s.desired, s.declared, s.image],
      ]),
    );
    expect(services).toEqual({
      api: [1, true, 'public.ecr.aws/docker/library/httpd:2.4'],
      jobs: [3, true, 'public.ecr.aws/docker/library/busybox:stable'],
      web: [2, true, 'public.ecr.aws/nginx/nginx:stable'],
    });
  });

  it('reports a service taken out of the config, and --prune deletes its stacks and nothing else', async () => {
    const config = withConfig(`services:\n${WEB}${JOBS}`);
    const diff = await runCli(['diff', '--env', ENV, '--json'], config);
    expect(JSON.parse(diff.stdout).undeclared).toEqual([
      expect.objectContaining({ component: 'service-api', service: 'api' }),
    ]);
    const plain = await runCli(['deploy', '--env', ENV, '--yes'], config);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain(`No longer declared (left in place): ecspoc-${ENV}-service-api.`);
    expect(await liveComponents()).toContain('service-api');

    const pruned = await runCli(['deploy', '--env', ENV, '--yes', '--prune', '--json'], config);
    expect(pruned.code).toBe(0);
    const output = JSON.parse(pruned.stdout);
    expect(output.pruned.map((s: { component: string; status: string }) => [s.component, s.status])).toEqual([
      ['service-api', 'deleted'],
    ]);
    expect(await liveComponents()).toEqual(
      [
        'bastion',
        'bootstrap',
        'cluster',
        'load-balancer',
        'network',
        'pipeline-web',
        'registry-web',
        'service-jobs',
        'service-web',
      ].sort(),
    );
    // The web service keeps its target group, and its rule keeps its priority. (moto's DeleteStack
    // leaves the deleted stack's target group behind; AWS deletes it with the stack.)
    const { TargetGroups } = await elb.send(
      new DescribeTargetGroupsCommand({ Names: [`ecspoc-${ENV}-web`] }),
    );
    const { LoadBalancers } = await elb.send(
      new DescribeLoadBalancersCommand({ Names: [`ecspoc-${ENV}-alb`] }),
    );
    const { Listeners } = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: LoadBalancers![0]!.LoadBalancerArn }),
    );
    const { Rules } = await elb.send(new DescribeRulesCommand({ ListenerArn: Listeners![0]!.ListenerArn }));
    const webRule = (Rules ?? []).find(
      (r) => r.Actions?.[0]?.TargetGroupArn === TargetGroups![0]!.TargetGroupArn,
    );
    expect(webRule?.Priority).toBe(String(hashedPriority('web')));
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: `ecspoc-${ENV}`, services: ['web', 'jobs'] }),
    );
    expect(services?.map((s) => [s.serviceName, s.status])).toEqual([
      ['web', 'ACTIVE'],
      ['jobs', 'ACTIVE'],
    ]);
  });
});
