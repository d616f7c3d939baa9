import { describe, expect, it } from '@jest/globals';

import { buildCatalog, findComponent, selectComponents } from '../../../../src/lib/stacks/catalog.js';
import { hashedPriority } from '../../../../src/lib/stacks/priorities.js';
import { secretResources } from '../../../../src/lib/stacks/service-template.js';
import { readTemplates } from '../../../../src/lib/stacks/templates.js';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
const declared = [
  {
    name: 'web',
    repository: 'acme/web',
    port: 8080,
    cpu: 512,
    memory: 1024,
    count: 3,
    paths: ['/web/*'],
    hosts: ['web.example.com'],
    healthCheck: { path: '/health', codes: '200-299', grace: 30 },
    environment: { LOG_LEVEL: 'info' },
    secrets: { DB: `${SECRET}:password::`, KEY: 'arn:aws:ssm:eu-west-1:123456789012:parameter/web/key' },
    policies: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
  },
  { name: 'api', image: 'httpd:2.4', port: 3000 },
  { name: 'jobs', image: 'busybox:stable' },
];

describe('the catalog of declared services', () => {
  const catalog = buildCatalog('dev', { declared });

  it('has their stacks and none of the samples', () => {
    expect(catalog.components.map((c) => c.name)).toEqual([
      'bootstrap',
      'network',
      'registry-web',
      'bastion',
      'load-balancer',
      'cluster',
      'service-web',
      'service-api',
      'service-jobs',
      'pipeline-web',
    ]);
    expect(selectComponents(catalog, ['web']).map((c) => c.name)).toEqual([
      'bootstrap',
      'network',
      'registry-web',
      'bastion',
      'load-balancer',
      'cluster',
      'service-web',
      'pipeline-web',
    ]);
  });

  it('passes the declared values as parameters', () => {
    const web = findComponent(catalog, 'service-web');
    expect(web.defaults).toEqual({
      ImageUri: 'public.ecr.aws/nginx/nginx:stable',
      ContainerPort: '8080',
      HealthCheckPath: '/health',
      HealthCheckMatcher: '200-299',
      HealthCheckGracePeriod: '30',
      PathPatterns: '/web/*',
      HostHeaders: 'web.example.com',
      ListenerPriority: String(hashedPriority('web')),
      Cpu: '512',
      Memory: '1024',
      DesiredCount: '3',
    });
    expect(findComponent(catalog, 'pipeline-web').defaults).toEqual({
      GitHubBranch: 'main',
      GitHubRepository: 'acme/web',
    });
    const api = findComponent(catalog, 'service-api');
    // Without a repository the declared image always runs: no registry, no image lookup.
    expect(api.image).toBeUndefined();
    expect(api.wiring.RepositoryArn).toBeUndefined();
    expect(api.defaults.ImageUri).toBe('httpd:2.4');
    const jobs = findComponent(catalog, 'service-jobs');
    expect(jobs.wiring.ListenerArn).toBeUndefined();
    expect(jobs.dependsOn).not.toContain('load-balancer');
    expect(jobs.defaults).toEqual({
      ImageUri: 'busybox:stable',
      ContainerPort: '0',
      Cpu: '256',
      Memory: '512',
      DesiredCount: '1',
    });
  });

  it('renders a template per service with its environment, secrets and policies', async () => {
    const templates = await readTemplates(catalog.components);
    const web = templates.get(findComponent(catalog, 'service-web').template)!;
    const resources = web.document.Resources as Record<string, { Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const container = resources.TaskDefinition!.Properties.ContainerDefinitions[0];
    expect(container.Environment).toContainEqual({ Name: 'LOG_LEVEL', Value: 'info' });
    expect(container.Secrets).toEqual([
      { Name: 'DB', ValueFrom: `${SECRET}:password::` },
      { Name: 'KEY', ValueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/web/key' },
    ]);
    const policies = resources.ExecutionRole!.Properties.Policies;
    expect(policies.at(-1)).toEqual({
      PolicyName: 'read-declared-secrets',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadDeclaredSecrets',
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: [SECRET],
          },
          {
            Sid: 'ReadDeclaredParameters',
            Effect: 'Allow',
            Action: 'ssm:GetParameters',
            Resource: ['arn:aws:ssm:eu-west-1:123456789012:parameter/web/key'],
          },
        ],
      },
    });
    expect(resources.ExecTaskRole!.Properties.ManagedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ]);
    expect(resources.ExecTaskRole!.Properties.Policies).toBeUndefined();
    // A service that declares nothing gets no secret access and no policy.
    const api = templates.get(findComponent(catalog, 'service-api').template)!;
    const apiResources = api.document.Resources as Record<string, { Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(apiResources.ExecutionRole!.Properties.Policies).toHaveLength(1);
    expect(apiResources.ExecTaskRole!.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('grants a secret named without its random suffix through the -?????? wildcard', () => {
    expect(secretResources({ A: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' })).toEqual({
      secretsManager: [
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-??????',
      ],
      parameters: [],
    });
  });
});
