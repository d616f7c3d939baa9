import { Args, Flags } from '@oclif/core';

import { BaseCommand } from '../base-command.js';
import { planFlags } from '../flags/plan.js';

export default class Deploy extends BaseCommand<typeof Deploy> {
  static override summary = 'Deploy the bundled stacks of one environment in dependency order';
  static override description =
    'Deploys the selected components (default: the whole bundle) and everything they depend on, independent stacks in ' +
    'parallel, each through a change set. Shows the plan (add / modify / remove, and whether a resource is replaced), asks ' +
    'once on a terminal (--yes otherwise), then executes and follows each stack. Outputs of upstream stacks feed the ' +
    'parameters of downstream ones. A redeploy with nothing to change executes nothing.';
  static override examples = [
    '<%= config.bin %> deploy --env staging --parameter SshCidr=203.0.113.7/32',
    '<%= config.bin %> deploy cluster --env staging --parameter cluster.InstanceType=t3.medium --yes',
    '<%= config.bin %> deploy service --env staging --dry-run',
    '<%= config.bin %> deploy api --env staging   # registry, service and pipeline of the declared service api',
    '<%= config.bin %> deploy --env staging --prune --yes   # also delete the stacks of services no longer declared',
    `# .ecspoc.yml: the services the cluster runs (none: the two sample services)
services:
  - name: api
    repository: acme/api        # a pipeline builds it; omit to run only the image
    image: public.ecr.aws/nginx/nginx:stable
    port: 8080
    cpu: 512
    memory: 1024
    count: 3
    paths: ["/api/*"]
    healthCheck: {path: /health, codes: "200-299", grace: 60}
    environment: {LOG_LEVEL: info}
    secrets: {DB_PASSWORD: arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf}
    policies: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
  - name: worker                # no port: no target group, no listener rule
    image: public.ecr.aws/docker/library/busybox:stable`,
  ];
  static override strict = false;
  static override enableJsonFlag = true;
  static override args = {
    components: Args.string({
      description:
        'components to deploy (with what they depend on), or a kind for every service: service, pipeline, registry',
    }),
  };
  static override flags = {
    ...planFlags,
    concurrency: Flags.integer({ description: 'stacks worked on at once', default: 8, min: 1, max: 50 }),
    'dry-run': Flags.boolean({
      description: 'show the plan and changes, execute nothing (same as ecspoc diff)',
    }),
    yes: Flags.boolean({ char: 'y', description: 'deploy without asking (needed without a terminal)' }),
    prune: Flags.boolean({
      description:
        'also delete the stacks of services no longer declared in the config file, dependents first',
    }),
    'empty-repositories': Flags.boolean({
      description: "with --prune: empty a pruned service's ECR repository without asking",
      dependsOn: ['prune'],
    }),
  };

  public async run(): Promise<unknown> {
    const { argv } = await this.parse(Deploy);
    const { settings, region, aws } = await this.awsContext();
    const { runDeployFlow } = await import('../flows/deploy.js');
    const outcome = await runDeployFlow({
      aws,
      env: settings.env,
      region,
      environment: settings.environment,
      ...(settings.services ? { services: settings.services } : {}),
      prune: this.flags.prune,
      emptyRepositories: this.flags['empty-repositories'],
      selection: argv as string[],
      parameters: this.flags.parameter,
      concurrency: this.flags.concurrency,
      dryRun: this.flags['dry-run'],
      yes: this.flags.yes,
      force: this.flags.force,
      json: this.jsonEnabled(),
    });
    return this.finish(outcome);
  }
}
