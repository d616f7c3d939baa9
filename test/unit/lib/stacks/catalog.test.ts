import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import {
  buildCatalog,
  findComponent,
  PLACEHOLDER_IMAGE,
  resolveServices,
  selectComponents,
} from '../../../../src/lib/stacks/catalog.js';
import { deploymentLayers } from '../../../../src/lib/stacks/graph.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('buildCatalog', () => {
  const catalog = buildCatalog('dev');

  it('holds every component of the bundle for the two sample services', () => {
    expect(catalog.components.map((component) => component.name)).toEqual([
      'bootstrap',
      'network',
      'kinesis',
      'registry-404',
      'registry-php-hello',
      'bastion',
      'load-balancer',
      'task-roles',
      'cluster',
      'service-404',
      'service-php-hello',
      'pipeline-404',
      'pipeline-php-hello',
    ]);
  });

  it('names every stack ecspoc-<env>-<component> and picks the template of its kind', () => {
    expect(findComponent(catalog, 'network')).toMatchObject({
      stackName: 'ecspoc-dev-network',
      template: 'network.yml',
    });
    expect(findComponent(catalog, 'pipeline-php-hello')).toMatchObject({
      stackName: 'ecspoc-dev-pipeline-php-hello',
      template: 'pipeline.yml',
      service: 'php-hello',
      kind: 'pipeline',
    });
  });

  it('deploys in this order, independent stacks side by side', () => {
    expect(deploymentLayers(catalog.components)).toEqual([
      ['bootstrap', 'network', 'kinesis', 'registry-404', 'registry-php-hello'],
      ['bastion', 'load-balancer', 'task-roles'],
      ['cluster'],
      ['service-404', 'service-php-hello'],
      ['pipeline-404', 'pipeline-php-hello'],
    ]);
  });

  it('depends on every component it takes an output from', () => {
    for (const component of catalog.components) {
      for (const ref of Object.values(component.wiring)) {
        expect(component.dependsOn).toContain(ref.component);
      }
    }
  });

  it('wires upstream outputs into downstream parameters', () => {
    expect(findComponent(catalog, 'cluster').wiring).toEqual({
      VpcId: { component: 'network', output: 'VpcId' },
      PrivateSubnetIds: { component: 'network', output: 'PrivateSubnetIds' },
      LoadBalancerSecurityGroupId: { component: 'load-balancer', output: 'LoadBalancerSecurityGroupId' },
      BastionSecurityGroupId: { component: 'bastion', output: 'BastionSecurityGroupId' },
      InstanceConnectEndpointSecurityGroupId: {
        component: 'network',
        output: 'InstanceConnectEndpointSecurityGroupId',
      },
    });
    expect(findComponent(catalog, 'service-404').wiring).toMatchObject({
      TaskRoleArn: { component: 'task-roles', output: 'Service404TaskRoleArn' },
      StreamName: { component: 'kinesis', output: 'StreamName' },
      RepositoryArn: { component: 'registry-404', output: 'RepositoryArn' },
    });
    // php-hello calls no AWS API: no task role, no stream.
    expect(findComponent(catalog, 'service-php-hello').wiring).not.toHaveProperty('TaskRoleArn');
    expect(findComponent(catalog, 'service-php-hello').wiring).not.toHaveProperty('StreamName');
  });

  it('declares the capabilities of the stacks that create named roles', () => {
    const withIam = catalog.components
      .filter((c) => c.capabilities.includes('CAPABILITY_NAMED_IAM'))
      .map((c) => c.name);
    expect(withIam).toEqual([
      'task-roles',
      'cluster',
      'service-404',
      'service-php-hello',
      'pipeline-404',
      'pipeline-php-hello',
    ]);
  });

  it('asks the operator for the bastion SSH CIDR, and for nothing else with the sample services', () => {
    const owed = catalog.components.flatMap((c) => c.operatorParameters.map((p) => `${c.name}.${p.key}`));
    expect(owed).toEqual(['bastion.SshCidr']);
  });

  it('sets the name-making parameters itself', () => {
    expect(findComponent(catalog, 'service-php-hello').identity).toEqual({
      EnvName: 'dev',
      ServiceName: 'php-hello',
      ServiceSlug: 'php-hello',
    });
  });

  it('starts a service on the placeholder image until its pipeline pushed one', () => {
    const service = findComponent(catalog, 'service-404');
    expect(service.defaults.ImageUri).toBe(PLACEHOLDER_IMAGE);
    expect(service.image).toEqual({
      parameter: 'ImageUri',
      placeholder: PLACEHOLDER_IMAGE,
      repository: { component: 'registry-404', output: 'RepositoryName' },
    });
  });

  it('gives the sample services their seed repositories and routes', () => {
    expect(findComponent(catalog, 'pipeline-404').defaults).toEqual({
      GitHubRepository: 'rnzsgh/404',
      GitHubBranch: 'master',
    });
    expect(findComponent(catalog, 'service-404').defaults).toMatchObject({
      PathPatterns: '/*',
      ListenerPriority: '50000',
      HealthCheckMatcher: '200,404',
    });
    expect(findComponent(catalog, 'service-php-hello').defaults).toMatchObject({
      PathPatterns: '/,/index.php',
      ListenerPriority: '100',
    });
  });

  it('refuses an unusable environment name', () => {
    const error = thrown(() => buildCatalog('Dev_1'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'INVALID_ENV_NAME' });
    expect(thrown(() => buildCatalog('a-very-long-env'))).toMatchObject({ code: 'INVALID_ENV_NAME' });
  });

  it('shortens a long service name where a resource name is tight, and only there', () => {
    const long = buildCatalog('staging-eu1', { services: ['inventory-reporting'] });
    const service = findComponent(long, 'service-inventory-reporting');
    expect(service.identity.ServiceName).toBe('inventory-reporting');
    expect(service.identity.ServiceSlug).toMatch(/^invent-[0-9a-f]{6}$/);
    expect(`ecspoc-staging-eu1-${service.identity.ServiceSlug}`.length).toBeLessThanOrEqual(32);
  });
});

describe('resolveServices', () => {
  it('gives other services generic settings and distinct listener priorities', () => {
    const services = resolveServices(['404', 'api', { name: 'web', containerPort: 8080 }]);
    expect(services.map((s) => [s.name, s.listenerPriority, s.pathPatterns.join(',')])).toEqual([
      ['404', 50000, '/*'],
      ['api', 1000, '/api,/api/*'],
      ['web', 1010, '/web,/web/*'],
    ]);
    expect(services[2]).toMatchObject({ containerPort: 8080, placeholderImage: PLACEHOLDER_IMAGE });
  });

  it('asks for the GitHub repository of a service that is not a sample', () => {
    const catalog = buildCatalog('dev', { services: ['api'] });
    expect(findComponent(catalog, 'pipeline-api').operatorParameters.map((p) => p.key)).toEqual([
      'GitHubRepository',
    ]);
  });

  it('rejects duplicate services, duplicate priorities, bad names and too many paths', () => {
    expect(thrown(() => resolveServices(['api', 'api']))).toMatchObject({ code: 'DUPLICATE_SERVICE' });
    expect(thrown(() => resolveServices([{ name: 'a', listenerPriority: 100 }, 'php-hello']))).toMatchObject({
      code: 'DUPLICATE_LISTENER_PRIORITY',
      message: 'Services "a" and "php-hello" both have listener priority 100.',
    });
    expect(thrown(() => resolveServices(['Api']))).toMatchObject({ code: 'INVALID_SERVICE_NAME' });
    expect(
      thrown(() => resolveServices([{ name: 'a', pathPatterns: ['/1', '/2', '/3', '/4', '/5', '/6'] }])),
    ).toMatchObject({
      code: 'INVALID_SERVICE_SETTINGS',
    });
  });
});

describe('selectComponents', () => {
  const catalog = buildCatalog('dev');
  const names = (selection: string[]) => selectComponents(catalog, selection).map((c) => c.name);

  it('selects everything by default', () => {
    expect(names([])).toHaveLength(catalog.components.length);
  });

  it('adds the dependencies of what is selected', () => {
    expect(names(['bastion'])).toEqual(['network', 'bastion']);
    expect(names(['service-php-hello'])).toEqual([
      'network',
      'kinesis',
      'registry-php-hello',
      'bastion',
      'load-balancer',
      'task-roles',
      'cluster',
      'service-php-hello',
    ]);
  });

  it('takes a per-service kind for the components of every service', () => {
    expect(names(['registry'])).toEqual(['registry-404', 'registry-php-hello']);
  });

  it('names the valid components when one is unknown', () => {
    const error = thrown(() => names(['netwrok']));
    expect(error).toMatchObject({ code: 'UNKNOWN_COMPONENT', message: 'Unknown component: netwrok.' });
    expect((error as UsageError).suggestions.join('\n')).toContain('bootstrap, network, kinesis');
  });
});
