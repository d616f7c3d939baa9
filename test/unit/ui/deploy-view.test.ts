import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';

import type { DeployPlan, DeployResult, StackPlan } from '../../../src/lib/stacks/deploy.js';
import { renderPlan, renderResults } from '../../../src/ui/deploy-view.js';

const plain = new PassThrough() as unknown as NodeJS.WriteStream;

function stack(fields: Partial<StackPlan> & Pick<StackPlan, 'component' | 'action'>): StackPlan {
  return {
    stackName: `ecspoc-dev-${fields.component}`,
    dependsOn: [],
    changes: [],
    exact: false,
    parameters: [],
    parameterChanges: [],
    waitsFor: [],
    replannedAfter: [],
    ...fields,
  };
}

const plan: DeployPlan = {
  env: 'dev',
  durationMs: 10,
  hasChanges: true,
  hasBlocked: true,
  stacks: [
    stack({ component: 'network', action: 'none', exact: true }),
    stack({
      component: 'cluster',
      action: 'update',
      exact: true,
      changes: [
        {
          action: 'modify',
          logicalId: 'LaunchTemplate',
          resourceType: 'AWS::EC2::LaunchTemplate',
          replacement: 'False',
          properties: ['LaunchTemplateData'],
        },
        {
          action: 'modify',
          logicalId: 'Group',
          resourceType: 'AWS::AutoScaling::AutoScalingGroup',
          replacement: 'Conditional',
        },
        { action: 'remove', logicalId: 'OldTopic', resourceType: 'AWS::SNS::Topic' },
      ],
      parameterChanges: [{ key: 'InstanceType', before: 't3.small', after: 't3.medium' }],
    }),
    stack({
      component: 'service-404',
      action: 'create',
      waitsFor: ['cluster'],
      changes: [{ action: 'add', logicalId: 'Service', resourceType: 'AWS::ECS::Service' }],
      image: {
        uri: 'public.ecr.aws/nginx/nginx:stable',
        source: 'placeholder',
        detail: 'placeholder: nothing pushed to ecspoc-dev/404 yet',
      },
    }),
    stack({
      component: 'bastion',
      action: 'blocked',
      stackStatus: 'UPDATE_ROLLBACK_FAILED',
      why: 'ecspoc-dev-bastion is UPDATE_ROLLBACK_FAILED: an update failed and so did its rollback',
      suggestion: 'aws cloudformation continue-update-rollback --stack-name ecspoc-dev-bastion',
    }),
  ],
};

describe('renderPlan', () => {
  it('shows each stack with its changes, replacement and parameter changes; new stacks by count', () => {
    const text = renderPlan(plan, { listNewResources: false, parameters: false }, plain);
    expect(text).toContain(
      'Plan for environment "dev": 4 stacks (1 to create, 1 to update, 1 blocked, 1 unchanged)',
    );
    expect(text).toMatch(/= ecspoc-dev-network\s+no changes/);
    expect(text).toMatch(/~ ecspoc-dev-cluster\s+update: 2 to modify \(1 maybe replaced\), 1 to remove/);
    expect(text).toContain('parameter InstanceType: t3.small → t3.medium');
    expect(text).toMatch(
      /~ LaunchTemplate\s+AWS::EC2::LaunchTemplate\s+modify, replacement: no {2}\[LaunchTemplateData\]/,
    );
    expect(text).toMatch(/~ Group\s+AWS::AutoScaling::AutoScalingGroup\s+modify, replacement: conditional/);
    expect(text).toMatch(/- OldTopic\s+AWS::SNS::Topic\s+remove/);
    expect(text).toMatch(/\+ ecspoc-dev-service-404\s+create: 1 resource, after cluster/);
    expect(text).not.toContain('AWS::ECS::Service');
    expect(text).toContain(
      'image public.ecr.aws/nginx/nginx:stable (placeholder: nothing pushed to ecspoc-dev/404 yet)',
    );
    expect(text).toContain(
      'Try: aws cloudformation continue-update-rollback --stack-name ecspoc-dev-bastion',
    );
  });

  it('lists every new resource for diff, and says nothing more when nothing changes', () => {
    expect(renderPlan(plan, { listNewResources: true, parameters: true }, plain)).toMatch(
      /\+ Service\s+AWS::ECS::Service\s+add/,
    );
    const quiet = renderPlan(
      { ...plan, hasChanges: false, hasBlocked: false, stacks: [plan.stacks[0]] },
      { listNewResources: true, parameters: true },
      plain,
    );
    expect(quiet).toBe('Plan for environment "dev": 1 stack (1 unchanged), nothing to change\n');
  });
});

describe('renderResults', () => {
  it('prints one line per stack, the failure and what to try, and a summary', () => {
    const result: DeployResult = {
      env: 'dev',
      ok: false,
      interrupted: false,
      durationMs: 4_000,
      planDurationMs: 1_000,
      stacks: [
        {
          component: 'network',
          stackName: 'ecspoc-dev-network',
          status: 'unchanged',
          changes: [],
          outputs: {},
          durationMs: 0,
        },
        {
          component: 'cluster',
          stackName: 'ecspoc-dev-cluster',
          status: 'failed',
          changes: [],
          outputs: {},
          durationMs: 3_000,
          reason:
            'Group (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: You have requested more vCPU capacity',
          suggestion: 'fix the cause, then: ecspoc deploy cluster --env dev',
        },
        {
          component: 'service-404',
          stackName: 'ecspoc-dev-service-404',
          status: 'skipped',
          changes: [],
          outputs: {},
          durationMs: 0,
          reason: 'cluster failed',
        },
      ],
    };
    const text = renderResults(result, plain);
    expect(text).toMatch(
      /ecspoc-dev-cluster\s+FAILED\s+3\.0s {2}Group \(AWS::AutoScaling::AutoScalingGroup\) UPDATE_FAILED/,
    );
    expect(text).toContain('Try: fix the cause, then: ecspoc deploy cluster --env dev');
    expect(text).toMatch(/ecspoc-dev-service-404\s+skipped\s+0\.0s {2}cluster failed/);
    expect(text).toContain('Deploy of environment "dev" ended after 5.0s: 1 unchanged, 1 failed, 1 skipped.');
  });
});
