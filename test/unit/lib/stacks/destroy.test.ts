import { CloudFormationClient, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { BatchDeleteImageCommand, ECRClient, ListImagesCommand } from '@aws-sdk/client-ecr';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';

import type { Catalog, ComponentSpec } from '../../../../src/lib/stacks/catalog.js';
import {
  type DestroyContext,
  type DestroyEvent,
  executeDestroy,
  planDestroy,
} from '../../../../src/lib/stacks/destroy.js';
import { parseTemplate, type StackTemplate } from '../../../../src/lib/stacks/templates.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { type FakeBehaviour, fakeCloudFormation } from '../../helpers/fake-cloudformation.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const mockECR = mockSdk(ECRClient);
const mockS3 = mockSdk(S3Client);

const BODY = `
Resources:
  Topic: {Type: AWS::SNS::Topic}
`;
const RETAINING = `
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Logs: {Type: AWS::Logs::LogGroup, DeletionPolicy: Retain}
`;

function component(name: string, dependsOn: string[]): ComponentSpec {
  return {
    name,
    kind: name as ComponentSpec['kind'],
    template: `${name}.yml`,
    stackName: `ecspoc-dev-${name}`,
    description: name,
    dependsOn,
    identity: { EnvName: 'dev' },
    defaults: {},
    wiring: {},
    operatorParameters: [],
    capabilities: [],
  };
}

/** a ← b ← c (c uses b uses a), and d alone. a holds the bucket, d the repository, c retains its logs. */
async function catalog(): Promise<{ catalog: Catalog; templates: Map<string, StackTemplate> }> {
  const components = [component('a', []), component('b', ['a']), component('c', ['b']), component('d', [])];
  const templates = new Map<string, StackTemplate>();
  for (const c of components) {
    templates.set(c.template, await parseTemplate(c.template, c.template, c.name === 'c' ? RETAINING : BODY));
  }
  return { catalog: { env: 'dev', services: [], components }, templates };
}

const resources: FakeBehaviour['resources'] = (stack) =>
  ({
    'ecspoc-dev-a': [
      { logicalId: 'Bucket', resourceType: 'AWS::S3::Bucket', physicalId: 'ecspoc-dev-bucket' },
    ],
    'ecspoc-dev-c': [{ logicalId: 'Logs', resourceType: 'AWS::Logs::LogGroup', physicalId: '/ecspoc/dev/c' }],
    'ecspoc-dev-d': [
      { logicalId: 'Repository', resourceType: 'AWS::ECR::Repository', physicalId: 'ecspoc-dev/d' },
    ],
  })[stack] ?? [];

function setup(behaviour: FakeBehaviour = {}) {
  const clock = fakeClock();
  const cfn = fakeCloudFormation(clock.now, { resources, ...behaviour });
  const s3 = mockS3;
  const ecr = mockECR;
  s3.on(ListObjectVersionsCommand)
    .resolvesOnce({ Versions: [{ Key: 'templates/x.yml', VersionId: 'v1' }] })
    .resolvesOnce({
      Versions: [{ Key: 'templates/x.yml', VersionId: 'v1' }],
      DeleteMarkers: [{ Key: 'old.yml', VersionId: 'v0' }],
    })
    .resolves({});
  s3.on(DeleteObjectsCommand).resolves({});
  ecr
    .on(ListImagesCommand)
    .resolvesOnce({ imageIds: [{ imageTag: 'abc' }] })
    .resolvesOnce({ imageIds: [{ imageTag: 'abc' }] })
    .resolves({});
  ecr.on(BatchDeleteImageCommand).resolves({ imageIds: [{ imageTag: 'abc' }] });
  for (const name of ['a', 'b', 'c', 'd']) {
    cfn.seed({ name: `ecspoc-dev-${name}`, status: 'CREATE_COMPLETE', parameters: {}, outputs: {} });
  }
  const events: DestroyEvent[] = [];
  const context: DestroyContext = {
    env: 'dev',
    cfn: sdkClient(CloudFormationClient),
    s3: async () => sdkClient(S3Client),
    ecr: async () => sdkClient(ECRClient),
    timing: { clock, pollIntervalMs: 1_000 },
    concurrency: 4,
    emit: (event) => events.push(event),
  };
  return { cfn, s3, ecr, context, events };
}

const existing = (extra: string[] = []) =>
  ['a', 'b', 'c', 'd', ...extra].map((n) => ({ stackName: `ecspoc-dev-${n}`, status: 'CREATE_COMPLETE' }));

describe('planDestroy and executeDestroy', () => {
  it('plans dependents first, finds what holds data and what is retained, leaves foreign stacks alone', async () => {
    const env = setup();
    const { catalog: c, templates } = await catalog();
    const plan = await planDestroy(c, templates, existing(['legacy']), env.context);
    expect(plan.targets.map((t) => [t.component, t.dependents])).toEqual([
      ['a', ['b']],
      ['b', ['c']],
      ['c', []],
      ['d', []],
    ]);
    expect(plan.stores).toEqual([
      { component: 'a', kind: 'bucket', name: 'ecspoc-dev-bucket', empty: false },
      { component: 'd', kind: 'repository', name: 'ecspoc-dev/d', empty: false },
    ]);
    expect(plan.retained).toEqual([
      { component: 'c', logicalId: 'Logs', resourceType: 'AWS::Logs::LogGroup', physicalId: '/ecspoc/dev/c' },
    ]);
    expect(plan.foreign).toEqual(['ecspoc-dev-legacy']);
  });

  it('empties the stores when agreed, deletes in reverse dependency order and lists what is kept', async () => {
    const env = setup();
    const { catalog: c, templates } = await catalog();
    const plan = await planDestroy(c, templates, existing(), env.context);
    const result = await executeDestroy(plan, { emptyStores: true }, env.context);
    expect(result.ok).toBe(true);
    const order = env.cfn.mock.commandCalls(DeleteStackCommand).map((call) => call.args[0].input.StackName);
    const position = (name: string) => order.findIndex((id) => id?.includes(`/ecspoc-dev-${name}/`));
    expect(position('c')).toBeLessThan(position('b'));
    expect(position('b')).toBeLessThan(position('a'));
    expect(result.stacks.find((s) => s.component === 'a')?.emptied).toEqual({ objects: 2, images: 0 });
    expect(result.stacks.find((s) => s.component === 'd')?.emptied).toEqual({ objects: 0, images: 1 });
    expect(env.s3.commandCalls(DeleteObjectsCommand)[0].args[0].input.Delete?.Objects).toEqual([
      { Key: 'templates/x.yml', VersionId: 'v1' },
      { Key: 'old.yml', VersionId: 'v0' },
    ]);
    expect(result.retained).toEqual([
      { component: 'c', logicalId: 'Logs', resourceType: 'AWS::Logs::LogGroup', physicalId: '/ecspoc/dev/c' },
    ]);
  });

  it('reports a stack that cannot be deleted with its resource, and keeps what it uses', async () => {
    const env = setup({
      deleteFailure: (stack) =>
        stack === 'ecspoc-dev-b'
          ? {
              logicalId: 'Topic',
              resourceType: 'AWS::SNS::Topic',
              reason: 'Topic is in use by a subscription',
            }
          : undefined,
    });
    const { catalog: c, templates } = await catalog();
    const plan = await planDestroy(c, templates, existing(), env.context);
    const result = await executeDestroy(plan, { emptyStores: false }, env.context);
    expect(result.ok).toBe(false);
    expect(result.stacks.map((s) => [s.component, s.status])).toEqual([
      ['a', 'skipped'],
      ['b', 'failed'],
      ['c', 'deleted'],
      ['d', 'deleted'],
    ]);
    expect(result.stacks[1]).toMatchObject({
      failure: { logicalId: 'Topic', reason: 'Topic is in use by a subscription' },
      suggestion: 'aws cloudformation delete-stack --stack-name ecspoc-dev-b --retain-resources Topic',
    });
    expect(result.stacks[0].reason).toBe('kept: b still uses it');
    expect(env.s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('says to empty the bucket when its stack fails for holding data', async () => {
    const env = setup({
      deleteFailure: (stack) =>
        stack === 'ecspoc-dev-a'
          ? {
              logicalId: 'Bucket',
              resourceType: 'AWS::S3::Bucket',
              reason: 'The bucket you tried to delete is not empty',
            }
          : undefined,
    });
    const { catalog: c, templates } = await catalog();
    const plan = await planDestroy(c, templates, existing(), env.context);
    const result = await executeDestroy(plan, { emptyStores: false }, env.context);
    expect(result.stacks[0]).toMatchObject({
      status: 'failed',
      reason: 'Bucket (AWS::S3::Bucket): The bucket you tried to delete is not empty',
      suggestion: 'ecspoc destroy --env dev --empty-buckets',
    });
  });
});
