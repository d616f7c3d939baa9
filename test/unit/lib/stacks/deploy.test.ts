import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  GetTemplateCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from '@jest/globals';

import type { Catalog, ComponentSpec } from '../../../../src/lib/stacks/catalog.js';
import {
  type DeployContext,
  type DeployEvent,
  type DeployInput,
  executeDeployment,
  planDeployment,
} from '../../../../src/lib/stacks/deploy.js';
import { UsageError } from '../../../../src/lib/errors.js';
import { parseTemplate, type StackTemplate } from '../../../../src/lib/stacks/templates.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { type FakeBehaviour, fakeCloudFormation } from '../../helpers/fake-cloudformation.js';
import { sdkClient } from '../../helpers/mock-sdk.js';

const BODY = (parameters: string) => `
Parameters:
  EnvName: {Type: String}
${parameters}
  Size: {Type: String, Default: small}
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Queue: {Type: AWS::SQS::Queue}
Outputs:
  Out: {Value: !Ref Topic}
`;

function component(
  name: string,
  dependsOn: string[],
  wiring: ComponentSpec['wiring'] = {},
  extra: Partial<ComponentSpec> = {},
): ComponentSpec {
  return {
    name,
    kind: name as ComponentSpec['kind'],
    template: `${name}.yml`,
    stackName: `ecspoc-dev-${name}`,
    description: name,
    dependsOn,
    identity: { EnvName: 'dev' },
    defaults: {},
    wiring,
    operatorParameters: [],
    capabilities: [],
    ...extra,
  };
}

/** a → b → c, and d on its own. b takes a's output, c takes b's. */
async function bundle(
  extra: ComponentSpec[] = [],
  bodies: Record<string, string> = {},
): Promise<DeployInput> {
  const components = [
    component('a', []),
    component('b', ['a'], { P: { component: 'a', output: 'Out' } }),
    component('c', ['b'], { P: { component: 'b', output: 'Out' } }),
    component('d', []),
    ...extra,
  ];
  const templates = new Map<string, StackTemplate>();
  for (const c of components) {
    const body =
      bodies[c.name] ?? (c.name === 'a' || c.name === 'd' ? BODY('') : BODY('  P: {Type: String}'));
    templates.set(c.template, await parseTemplate(c.template, `/t/${c.template}`, body));
  }
  const catalog: Catalog = { env: 'dev', services: [], components };
  return {
    catalog,
    components,
    templates,
    config: { global: {}, components: {} },
    overrides: { global: {}, components: {} },
  };
}

const outputs: FakeBehaviour['outputs'] = (stackName, parameters) => ({
  Out: `${stackName}:${parameters.P ?? parameters.Size ?? 'root'}`,
});

const client = sdkClient(CloudFormationClient);

function setup(behaviour: FakeBehaviour = {}) {
  const clock = fakeClock();
  const cfn = fakeCloudFormation(clock.now, { outputs, ...behaviour });
  const events: DeployEvent[] = [];
  const context: DeployContext = {
    env: 'dev',
    cfn: client,
    timing: { clock, pollIntervalMs: 1_000 },
    concurrency: 4,
    emit: (event) => events.push(event),
    changeSetName: 'ecspoc-test',
  };
  return { clock, cfn, events, context };
}

describe('planDeployment and executeDeployment', () => {
  it('creates a fresh environment in dependency order, feeding outputs downstream, independent stacks in parallel', async () => {
    const env = setup();
    const input = await bundle();
    const context = env.context;
    const plan = await planDeployment(input, context);
    expect(plan.stacks.map((s) => [s.component, s.action, s.waitsFor])).toEqual([
      ['a', 'create', []],
      ['b', 'create', ['a']],
      ['c', 'create', ['b']],
      ['d', 'create', []],
    ]);
    expect(plan.stacks[1].changes.map((c) => c.logicalId)).toEqual(['Topic', 'Queue']);
    expect(plan.stacks[1].parameters.find((p) => p.key === 'P')).toEqual({
      key: 'P',
      value: '<a.Out>',
      origin: 'pending',
      from: 'a.Out',
    });
    // Nothing exists yet, so planning made no change set.
    expect(env.cfn.mock.commandCalls(CreateChangeSetCommand)).toHaveLength(0);

    const result = await executeDeployment(plan, input, { ...context, approvedAll: false });
    expect(result.ok).toBe(true);
    expect(result.stacks.map((s) => [s.component, s.status])).toEqual([
      ['a', 'created'],
      ['b', 'created'],
      ['c', 'created'],
      ['d', 'created'],
    ]);
    expect(result.stacks[2].outputs).toEqual({ Out: 'ecspoc-dev-c:ecspoc-dev-b:ecspoc-dev-a:small' });
    const started = env.events.filter((e) => e.type === 'started').map((e) => e.component);
    expect(started.slice(0, 2).sort()).toEqual(['a', 'd']);
    expect(started.indexOf('b')).toBeGreaterThan(started.indexOf('a'));
    const createB = env.cfn.mock
      .commandCalls(CreateChangeSetCommand)
      .find((c) => c.args[0].input.StackName === 'ecspoc-dev-b');
    expect(createB?.args[0].input.Parameters).toContainEqual({
      ParameterKey: 'P',
      ParameterValue: 'ecspoc-dev-a:small',
    });
  });

  it('runs the pre-flight on the stacks to be created only, and a refusal stops the deploy before any change set', async () => {
    const env = setup();
    const input = await bundle();
    const checked: string[][] = [];
    await executeDeployment(await planDeployment(input, env.context), input, {
      ...env.context,
      approvedAll: true,
    });
    // Every stack exists now: a redeploy has nothing new to check.
    await planDeployment(input, {
      ...env.context,
      checkNewStacks: async (components) => {
        checked.push(components.map((c) => c.name));
      },
    });
    expect(checked).toEqual([]);

    const fresh = setup();
    const refusal = new UsageError('NAMES_TAKEN', 'bucket taken');
    await expect(
      planDeployment(input, {
        ...fresh.context,
        checkNewStacks: async (components) => {
          checked.push(components.map((c) => c.name));
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    expect(checked).toEqual([['a', 'b', 'c', 'd']]);
    expect(fresh.cfn.mock.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  it('redeploys an unchanged environment without executing any change set', async () => {
    const env = setup();
    const input = await bundle();
    const context = env.context;
    await executeDeployment(await planDeployment(input, context), input, { ...context, approvedAll: true });
    env.cfn.mock.resetHistory();

    const plan = await planDeployment(input, context);
    expect(plan.hasChanges).toBe(false);
    expect(plan.stacks.every((s) => s.action === 'none' && s.exact)).toBe(true);
    // Template, parameters and tags as deployed: two reads per stack, no change set at all.
    expect(env.cfn.mock.commandCalls(GetTemplateCommand)).toHaveLength(4);
    expect(env.cfn.mock.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
    const result = await executeDeployment(plan, input, { ...context, approvedAll: false });
    expect(result.stacks.every((s) => s.status === 'unchanged')).toBe(true);
    expect(env.cfn.mock.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  it('with force, asks CloudFormation for every stack and deletes the empty change sets', async () => {
    const env = setup();
    const input = await bundle();
    await executeDeployment(await planDeployment(input, env.context), input, {
      ...env.context,
      approvedAll: true,
    });
    env.cfn.mock.resetHistory();
    const plan = await planDeployment(input, { ...env.context, force: true });
    expect(plan.stacks.map((s) => s.action)).toEqual(['none', 'none', 'none', 'none']);
    expect(env.cfn.mock.commandCalls(CreateChangeSetCommand)).toHaveLength(4);
    expect(env.cfn.mock.commandCalls(DeleteChangeSetCommand)).toHaveLength(4);
    expect(env.cfn.changeSets.size).toBe(0);
  });

  it('skips the change set of a stack with an SSM parameter only while the parameter resolves as before', async () => {
    const ssm =
      "  Ami: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /aws/service/ecs/ami}";
    for (const [latest, expected] of [
      ['ami-1', 0],
      ['ami-2', 1],
    ] as const) {
      const env = setup();
      const input = await bundle([], { d: BODY(ssm) });
      const d = input.components[3];
      env.cfn.seed({
        name: d.stackName,
        status: 'CREATE_COMPLETE',
        parameters: { EnvName: 'dev', Size: 'small', Ami: '/aws/service/ecs/ami' },
        resolved: { Ami: 'ami-1' },
        tags: { 'ecspoc:env': 'dev', 'ecspoc:component': 'd' },
        body: input.templates.get(d.template)!.body,
        outputs: {},
      });
      const asked: string[][] = [];
      const context: DeployContext = {
        ...env.context,
        resolveSsmParameters: async (names) => {
          asked.push(names);
          return Object.fromEntries(names.map((n) => [n, latest]));
        },
      };
      const plan = await planDeployment({ ...input, components: [d] }, context);
      expect(asked).toEqual([['/aws/service/ecs/ami']]);
      expect(env.cfn.mock.commandCalls(CreateChangeSetCommand)).toHaveLength(expected);
      if (expected === 0) expect(plan.stacks[0]).toMatchObject({ action: 'none', exact: true });
    }
  });

  it('reports the first failed resource and skips the dependents, while independent stacks go on', async () => {
    const env = setup({
      failure: (stack) =>
        stack === 'ecspoc-dev-b'
          ? {
              logicalId: 'Queue',
              resourceType: 'AWS::SQS::Queue',
              reason: 'Resource handler returned message: "Access denied"',
            }
          : undefined,
    });
    const input = await bundle();
    const context = env.context;
    const result = await executeDeployment(await planDeployment(input, context), input, {
      ...context,
      approvedAll: false,
    });
    expect(result.ok).toBe(false);
    const b = result.stacks.find((s) => s.component === 'b');
    expect(b).toMatchObject({
      status: 'failed',
      stackStatus: 'ROLLBACK_COMPLETE',
      failure: {
        logicalId: 'Queue',
        resourceType: 'AWS::SQS::Queue',
        status: 'CREATE_FAILED',
        reason: 'Resource handler returned message: "Access denied"',
      },
      suggestion: expect.stringContaining('ecspoc deploy b --env dev'),
    });
    expect(result.stacks.find((s) => s.component === 'c')).toMatchObject({
      status: 'skipped',
      reason: 'b failed',
    });
    expect(result.stacks.find((s) => s.component === 'd')?.status).toBe('created');
    expect(
      env.cfn.mock.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input.StackName),
    ).not.toContain('ecspoc-dev-c');
  });

  it('names a ROLLBACK_COMPLETE stack in the plan, then deletes and recreates it', async () => {
    const env = setup();
    const input = await bundle();
    const context = env.context;
    env.cfn.seed({
      name: 'ecspoc-dev-a',
      status: 'ROLLBACK_COMPLETE',
      parameters: { EnvName: 'dev' },
      outputs: {},
    });
    const plan = await planDeployment(input, context);
    expect(plan.stacks[0]).toMatchObject({
      action: 'recreate',
      why: expect.stringContaining('ecspoc-dev-a is ROLLBACK_COMPLETE'),
    });
    const result = await executeDeployment(plan, input, { ...context, approvedAll: false });
    expect(result.stacks[0].status).toBe('created');
    expect(env.cfn.mock.commandCalls(DeleteStackCommand)).toHaveLength(1);
    const create = env.cfn.mock
      .commandCalls(CreateChangeSetCommand)
      .find((c) => c.args[0].input.StackName === 'ecspoc-dev-a');
    expect(create?.args[0].input.ChangeSetType).toBe('CREATE');
    expect(env.events).toContainEqual({
      type: 'activity',
      component: 'a',
      activity: { kind: 'deleting', status: 'ROLLBACK_COMPLETE' },
    });
  });

  it('explains UPDATE_ROLLBACK_FAILED, touches nothing of it and skips its dependents', async () => {
    const env = setup();
    const input = await bundle();
    const context = env.context;
    env.cfn.seed({
      name: 'ecspoc-dev-a',
      status: 'UPDATE_ROLLBACK_FAILED',
      parameters: { EnvName: 'dev' },
      outputs: { Out: 'x' },
    });
    const plan = await planDeployment(input, context);
    expect(plan.hasBlocked).toBe(true);
    expect(plan.stacks[0]).toMatchObject({
      action: 'blocked',
      suggestion: expect.stringContaining(
        'aws cloudformation continue-update-rollback --stack-name ecspoc-dev-a',
      ),
    });
    const result = await executeDeployment(plan, input, { ...context, approvedAll: true });
    expect(result.stacks.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped', 'created']);
    expect(env.cfn.mock.commandCalls(CreateChangeSetCommand).map((c) => c.args[0].input.StackName)).toEqual([
      'ecspoc-dev-d',
    ]);
    expect(env.cfn.mock.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('waits for a stack that is already being updated before planning it', async () => {
    const env = setup();
    const input = await bundle();
    const context = env.context;
    const a = env.cfn.seed({
      name: 'ecspoc-dev-a',
      status: 'UPDATE_IN_PROGRESS',
      parameters: { EnvName: 'dev' },
      outputs: { Out: 'o' },
    });
    // CloudFormation finishes the update while ecspoc sleeps between two polls.
    const sleep = env.clock.sleep;
    env.clock.sleep = async (ms) => {
      await sleep(ms);
      if (env.clock.sleeps.length === 2) a.status = 'UPDATE_COMPLETE';
    };
    const plan = await planDeployment(input, context);
    expect(plan.stacks[0]).toMatchObject({ component: 'a', action: 'update', exact: true });
    expect(env.events).toContainEqual({
      type: 'activity',
      component: 'a',
      activity: { kind: 'waiting', status: 'UPDATE_IN_PROGRESS' },
    });
    expect(env.clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('holds a late change set that would replace resources nobody confirmed, unless --yes', async () => {
    const changes: FakeBehaviour['changes'] = (stack, type) => [
      {
        Type: 'Resource',
        ResourceChange: {
          Action: type === 'CREATE' ? 'Add' : 'Modify',
          LogicalResourceId: 'Topic',
          ResourceType: 'AWS::SNS::Topic',
          ...(type === 'UPDATE' ? { Replacement: stack === 'ecspoc-dev-b' ? 'True' : 'False' } : {}),
        },
      },
    ];
    for (const approvedAll of [false, true]) {
      const env = setup({ changes });
      const input = await bundle();
      await executeDeployment(await planDeployment(input, env.context), input, {
        ...env.context,
        approvedAll: true,
      });
      // A new Size changes a's output; b's change set can only be known once a is updated.
      const changed = { ...input, overrides: { global: {}, components: { a: { Size: 'large' } } } };
      const plan = await planDeployment(changed, env.context);
      expect(plan.stacks.find((s) => s.component === 'a')).toMatchObject({
        action: 'update',
        parameterChanges: [{ key: 'Size', after: 'large' }],
      });
      expect(plan.stacks.find((s) => s.component === 'b')).toMatchObject({
        action: 'none',
        replannedAfter: ['a'],
      });
      const result = await executeDeployment(plan, changed, { ...env.context, approvedAll });
      const b = result.stacks.find((s) => s.component === 'b')!;
      if (approvedAll) {
        expect(result.stacks.map((s) => s.status)).toEqual(['updated', 'updated', 'updated', 'unchanged']);
      } else {
        expect(b).toMatchObject({
          status: 'held',
          suggestion: expect.stringContaining('ecspoc deploy b --env dev'),
        });
        expect(result.stacks.find((s) => s.component === 'c')).toMatchObject({
          status: 'skipped',
          reason: 'b is held',
        });
        expect(env.cfn.changeSets.size).toBe(0);
      }
    }
  });

  it('keeps a value given earlier instead of falling back to the default, and never pins an SSM parameter', async () => {
    const env = setup();
    const ssm =
      "  Ami: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /aws/service/ecs/ami}";
    const input = await bundle([], { d: BODY(ssm) });
    env.cfn.seed({
      name: 'ecspoc-dev-d',
      status: 'CREATE_COMPLETE',
      // CloudFormation shows what was passed; an emulator may show the AMI it resolved.
      parameters: { EnvName: 'dev', Size: 'large', Ami: 'ami-0123' },
      outputs: { Out: 'x' },
    });
    const plan = await planDeployment({ ...input, components: [input.components[3]] }, env.context);
    const parameters = plan.stacks[0].parameters;
    expect(parameters.find((p) => p.key === 'Size')).toEqual({
      key: 'Size',
      value: 'large',
      origin: 'previous',
    });
    expect(parameters.find((p) => p.key === 'Ami')).toEqual({
      key: 'Ami',
      value: '/aws/service/ecs/ami',
      origin: 'template',
    });
    const create = env.cfn.mock.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    expect(create.Parameters).toEqual([
      { ParameterKey: 'EnvName', ParameterValue: 'dev' },
      { ParameterKey: 'Size', UsePreviousValue: true },
    ]);
  });

  it('runs a new service on the image its pipeline pushed last, and says so', async () => {
    const env = setup();
    const service = component(
      'svc',
      ['d'],
      { Repo: { component: 'd', output: 'Out' } },
      {
        defaults: { ImageUri: 'public.ecr.aws/nginx/nginx:stable' },
        image: {
          parameter: 'ImageUri',
          placeholder: 'public.ecr.aws/nginx/nginx:stable',
          repository: { component: 'd', output: 'Out' },
        },
      },
    );
    const input = await bundle([service], {
      svc: BODY('  Repo: {Type: String}\n  ImageUri: {Type: String}'),
    });
    const context: DeployContext = {
      ...env.context,
      latestImage: async (repository) => ({
        uri: `123.dkr.ecr.us-east-1.amazonaws.com/${repository}:abc123`,
        pushedAt: '2026-01-01T09:00:00.000Z',
      }),
    };
    env.cfn.seed({
      name: 'ecspoc-dev-d',
      status: 'CREATE_COMPLETE',
      parameters: { EnvName: 'dev' },
      outputs: { Out: 'ecspoc-dev/svc' },
    });
    const selected = { ...input, components: [input.components[3], service] };
    const plan = await planDeployment(selected, context);
    const svc = plan.stacks.find((s) => s.component === 'svc')!;
    expect(svc.image).toEqual({
      uri: '123.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/svc:abc123',
      source: 'pushed',
      detail: 'pushed last to ecspoc-dev/svc at 2026-01-01T09:00:00.000Z',
    });
    const result = await executeDeployment(plan, selected, { ...context, approvedAll: false });
    expect(result.stacks.find((s) => s.component === 'svc')?.status).toBe('created');
    const create = env.cfn.mock
      .commandCalls(CreateChangeSetCommand)
      .find((c) => c.args[0].input.StackName === 'ecspoc-dev-svc');
    expect(create?.args[0].input.Parameters).toContainEqual({
      ParameterKey: 'ImageUri',
      ParameterValue: '123.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/svc:abc123',
    });
    expect(env.events).toContainEqual({
      type: 'activity',
      component: 'svc',
      activity: {
        kind: 'note',
        message: expect.stringContaining('image 123.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/svc:abc123'),
      },
    });
  });

  it('sends a template over 51,200 bytes through the bootstrap bucket, after bootstrap', async () => {
    const env = setup({
      outputs: (stack): Record<string, string> =>
        stack === 'ecspoc-dev-bootstrap' ? { BucketName: 'ecspoc-dev-bucket' } : {},
    });
    const large = BODY('') + `# ${'x'.repeat(60_000)}\n`;
    const bootstrap = component('bootstrap', []);
    const big = component('big', []);
    const base = await bundle([bootstrap, big], { big: large, bootstrap: BODY('') });
    const input = { ...base, components: [bootstrap, big] };
    const uploads: string[][] = [];
    const context: DeployContext = {
      ...env.context,
      uploadTemplate: async (bucket, stackName, body) => {
        uploads.push([bucket, stackName, String(body.length)]);
        return `https://s3.us-east-1.amazonaws.com/${bucket}/templates/${stackName}/abc.yml`;
      },
    };
    const plan = await planDeployment(input, context);
    expect(plan.stacks.find((s) => s.component === 'big')?.dependsOn).toEqual(['bootstrap']);
    const result = await executeDeployment(plan, input, { ...context, approvedAll: true });
    expect(result.ok).toBe(true);
    expect(uploads).toEqual([['ecspoc-dev-bucket', 'ecspoc-dev-big', String(large.length)]]);
    const create = env.cfn.mock
      .commandCalls(CreateChangeSetCommand)
      .find((c) => c.args[0].input.StackName === 'ecspoc-dev-big');
    expect(create?.args[0].input.TemplateURL).toBe(
      'https://s3.us-east-1.amazonaws.com/ecspoc-dev-bucket/templates/ecspoc-dev-big/abc.yml',
    );
    expect(create?.args[0].input.TemplateBody).toBeUndefined();
  });

  it('starts nothing new once interrupted, and reports what it did not start', async () => {
    const env = setup();
    const input = await bundle();
    const controller = new AbortController();
    const context: DeployContext = {
      ...env.context,
      concurrency: 1,
      signal: controller.signal,
      emit: (event) => {
        env.events.push(event);
        if (event.type === 'finished' && event.component === 'a') controller.abort();
      },
    };
    const plan = await planDeployment(input, { ...context, signal: new AbortController().signal });
    const result = await executeDeployment(plan, input, { ...context, approvedAll: true });
    expect(result.interrupted).toBe(true);
    expect(result.stacks.map((s) => [s.component, s.status])).toEqual([
      ['a', 'created'],
      ['b', 'skipped'],
      ['c', 'skipped'],
      ['d', 'skipped'],
    ]);
    expect(result.stacks.find((s) => s.component === 'b')?.reason).toBe('interrupted before it started');
  });
});
