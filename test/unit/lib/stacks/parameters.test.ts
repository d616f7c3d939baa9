import { describe, expect, it } from '@jest/globals';

import { OperationError, UsageError } from '../../../../src/lib/errors.js';
import { buildCatalog, findComponent, type Catalog } from '../../../../src/lib/stacks/catalog.js';
import {
  checkParameterLayer,
  checkParameters,
  configParameterLayer,
  resolveParameters,
  type StackOutputs,
} from '../../../../src/lib/stacks/parameters.js';
import { readTemplates, type StackTemplate } from '../../../../src/lib/stacks/templates.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const catalog: Catalog = buildCatalog('dev');
const templates: Map<string, StackTemplate> = await readTemplates(catalog.components);
const template = (name: string) => templates.get(findComponent(catalog, name).template)!;

const NETWORK: StackOutputs = {
  network: {
    VpcId: 'vpc-1',
    VpcCidr: '10.0.0.0/16',
    PublicSubnetIds: 'subnet-a,subnet-b',
    PrivateSubnetIds: 'subnet-c,subnet-d',
  },
};

describe('resolveParameters', () => {
  it('feeds upstream outputs into the parameters they are wired to', () => {
    const bastion = findComponent(catalog, 'bastion');
    const resolved = resolveParameters(bastion, template('bastion'), {
      outputs: NETWORK,
      overrides: { global: { SshCidr: '203.0.113.7/32' } },
    });
    expect(resolved.values).toEqual({
      EnvName: 'dev',
      VpcId: 'vpc-1',
      VpcCidr: '10.0.0.0/16',
      PublicSubnetIds: 'subnet-a,subnet-b',
      SshCidr: '203.0.113.7/32',
    });
    expect(resolved.sources).toEqual({
      EnvName: 'identity',
      VpcId: 'upstream',
      VpcCidr: 'upstream',
      PublicSubnetIds: 'upstream',
      SshCidr: 'override',
    });
  });

  it('applies defaults < discovered < config < upstream < --parameter', () => {
    const service = findComponent(catalog, 'service-php-hello');
    const outputs: StackOutputs = {
      ...NETWORK,
      cluster: { ClusterName: 'ecspoc-dev', CapacityProviderName: 'ecspoc-dev-instances' },
      'load-balancer': { ListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/y/z' },
      'registry-php-hello': {
        RepositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/ecspoc-dev/php-hello',
      },
    };
    const resolved = resolveParameters(service, template('service-php-hello'), {
      outputs,
      discovered: { ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/php-hello:abc' },
      config: {
        global: { DesiredCount: '3', LogRetentionDays: '7' },
        components: { 'service-php-hello': { DesiredCount: '4', ClusterName: 'from-config' } },
      },
      overrides: { components: { 'service-php-hello': { LogRetentionDays: '14', VpcId: 'vpc-override' } } },
    });
    expect(resolved.values).toMatchObject({
      ContainerPort: '80', // catalog default
      ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/php-hello:abc', // discovered beats default
      DesiredCount: '4', // component config beats global config
      ClusterName: 'ecspoc-dev', // upstream beats config
      VpcId: 'vpc-override', // --parameter beats upstream
      LogRetentionDays: '14', // --parameter beats config
    });
    expect(resolved.sources).toMatchObject({
      ContainerPort: 'default',
      ImageUri: 'discovered',
      DesiredCount: 'config',
      ClusterName: 'upstream',
      VpcId: 'override',
      LogRetentionDays: 'override',
      ServiceSlug: 'identity',
    });
  });

  it('leaves parameters nobody sets to the template default', () => {
    const resolved = resolveParameters(findComponent(catalog, 'network'), template('network'), {
      outputs: {},
    });
    expect(resolved.values).toEqual({ EnvName: 'dev' });
  });

  it('applies a global key only to the components that declare it', () => {
    const layer = { global: { SshCidr: '198.51.100.0/24', VpcCidr: '10.1.0.0/16' } };
    const network = resolveParameters(findComponent(catalog, 'network'), template('network'), {
      outputs: {},
      config: layer,
    });
    expect(network.values).toEqual({ EnvName: 'dev', VpcCidr: '10.1.0.0/16' });
  });

  it('needs no upstream stack for a parameter the operator gives', () => {
    const resolved = resolveParameters(findComponent(catalog, 'task-roles'), template('task-roles'), {
      outputs: {},
      overrides: { global: { StreamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/other' } },
    });
    expect(resolved.values.StreamArn).toBe('arn:aws:kinesis:us-east-1:123456789012:stream/other');
  });

  it('names the missing upstream stack and how to deploy it', () => {
    const error = thrown(() =>
      resolveParameters(findComponent(catalog, 'task-roles'), template('task-roles'), { outputs: {} }),
    );
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({
      code: 'MISSING_UPSTREAM_OUTPUT',
      message: 'task-roles needs output StreamArn of kinesis, which is not deployed.',
    });
    expect((error as OperationError).suggestions[0]).toBe('ecspoc deploy kinesis');
    const noOutput = thrown(() =>
      resolveParameters(findComponent(catalog, 'task-roles'), template('task-roles'), {
        outputs: { kinesis: { StreamName: 'x' } },
      }),
    );
    expect(noOutput).toMatchObject({
      message: 'task-roles needs output StreamArn of kinesis, which has no such output.',
    });
  });

  it('rejects a key the component does not declare and lists the ones the operator may set', () => {
    const error = thrown(() =>
      resolveParameters(findComponent(catalog, 'bastion'), template('bastion'), {
        outputs: NETWORK,
        overrides: { components: { bastion: { SshCird: '203.0.113.7/32' } } },
      }),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'UNKNOWN_PARAMETER',
      message: '--parameter sets "SshCird" for bastion, which has no such parameter.',
    });
    expect((error as UsageError).suggestions[0]).toBe(
      'Parameters of bastion: VpcId, VpcCidr, PublicSubnetIds, SshCidr, KeyName, SessionManager, InstanceType, ImageId, IdleStopMinutes',
    );
  });

  it('refuses to let anything but --env set the environment name', () => {
    const error = thrown(() =>
      resolveParameters(findComponent(catalog, 'network'), template('network'), {
        outputs: {},
        config: { global: { EnvName: 'prod' } },
      }),
    );
    expect(error).toMatchObject({ code: 'RESERVED_PARAMETER' });
    expect((error as UsageError).suggestions).toEqual(['Choose the environment with --env.']);
  });

  it('says what the operator still owes, with an example', () => {
    const error = thrown(() =>
      resolveParameters(findComponent(catalog, 'bastion'), template('bastion'), { outputs: NETWORK }),
    );
    expect(error).toMatchObject({
      code: 'MISSING_PARAMETER',
      message: 'bastion needs a value for SshCidr (the only CIDR allowed to SSH to the bastion).',
    });
    expect((error as UsageError).suggestions[0]).toBe(
      'ecspoc deploy bastion --parameter SshCidr=203.0.113.7/32',
    );
  });

  it('names the command the operator ran in the hint (diff, not deploy)', () => {
    const error = thrown(() =>
      resolveParameters(findComponent(catalog, 'bastion'), template('bastion'), {
        outputs: NETWORK,
        command: 'diff',
      }),
    );
    expect((error as UsageError).suggestions[0]).toBe(
      'ecspoc diff bastion --parameter SshCidr=203.0.113.7/32',
    );
  });
});

describe('checkParameters', () => {
  it('catches an owed parameter before any upstream stack exists', () => {
    expect(
      thrown(() => checkParameters(findComponent(catalog, 'bastion'), template('bastion'), {})),
    ).toMatchObject({
      code: 'MISSING_PARAMETER',
    });
    expect(() =>
      checkParameters(findComponent(catalog, 'bastion'), template('bastion'), {
        config: { components: { bastion: { SshCidr: '203.0.113.7/32' } } },
      }),
    ).not.toThrow();
  });

  it('passes every component of the bundle once the SSH CIDR is given', () => {
    for (const component of catalog.components) {
      expect(() =>
        checkParameters(component, templates.get(component.template)!, {
          overrides: { global: { SshCidr: '203.0.113.7/32' } },
        }),
      ).not.toThrow();
    }
  });
});

describe('checkParameterLayer', () => {
  it('rejects a global key that no template declares', () => {
    const error = thrown(() =>
      checkParameterLayer(catalog, templates, { global: { SshCdir: 'x' } }, 'config'),
    );
    expect(error).toMatchObject({
      code: 'UNKNOWN_PARAMETER',
      message: 'The config file sets parameter no component declares: SshCdir.',
    });
    expect((error as UsageError).suggestions[0]).toContain('SshCidr');
    // Identity keys are never the operator's to set, so they are not offered.
    expect((error as UsageError).suggestions[0]).not.toMatch(/\b(EnvName|ServiceName|ServiceSlug)\b/);
  });

  it('rejects an unknown component', () => {
    expect(
      thrown(() =>
        checkParameterLayer(catalog, templates, { components: { bastian: { SshCidr: 'x' } } }, 'override'),
      ),
    ).toMatchObject({ code: 'UNKNOWN_COMPONENT', message: '--parameter names unknown component: bastian.' });
  });

  it('accepts keys some template declares', () => {
    expect(() =>
      checkParameterLayer(
        catalog,
        templates,
        { global: { LogRetentionDays: '7' }, components: { bastion: {} } },
        'config',
      ),
    ).not.toThrow();
  });
});

describe('configParameterLayer', () => {
  it('reads the parameters of an environment section of the config file', () => {
    expect(
      configParameterLayer({
        parameters: { LogRetentionDays: '7' },
        components: { bastion: { parameters: { SshCidr: '203.0.113.7/32' } }, cluster: {} },
      }),
    ).toEqual({ global: { LogRetentionDays: '7' }, components: { bastion: { SshCidr: '203.0.113.7/32' } } });
  });
});
