import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveSettings } from '../../../../src/lib/config/index.js';
import {
  globsIntersect,
  mergeServiceLists,
  readServiceList,
  routeOverlap,
  serviceListProblems,
} from '../../../../src/lib/config/services.js';
import { UsageError } from '../../../../src/lib/errors.js';

function configFile(text: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), 'ecspoc-services-'));
  writeFileSync(join(root, '.ecspoc.yml'), text);
  return { cwd: root, env: { HOME: root } };
}

async function refusal(text: string, env?: string): Promise<UsageError> {
  const error = await resolveSettings(env ? { env } : {}, configFile(text)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('the services schema', () => {
  it('reads a complete entry', () => {
    const problems: string[] = [];
    const [api] = readServiceList(
      [
        {
          name: 'api',
          repository: 'acme/api',
          branch: 'main',
          image: 'public.ecr.aws/x/y:1',
          port: 8080,
          cpu: 512,
          memory: 1024,
          count: 3,
          paths: ['/api/*'],
          hosts: ['API.example.com'],
          healthCheck: { path: '/health', codes: '200-299', grace: 60 },
          environment: { LOG_LEVEL: 'info', WORKERS: 4 },
          secrets: {
            DB: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
            KEY: 'arn:aws:ssm:eu-west-1:123456789012:parameter/api/key',
          },
          policies: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        },
      ],
      'services',
      problems,
    );
    expect(problems).toEqual([]);
    expect(api).toMatchObject({
      port: 8080,
      hosts: ['api.example.com'],
      environment: { LOG_LEVEL: 'info', WORKERS: '4' },
      healthCheck: { path: '/health', codes: '200-299', grace: 60 },
    });
  });

  it('names every problem of a list at once', () => {
    const problems: string[] = [];
    readServiceList(
      [
        { name: 'api', image: 'x', port: 70000 },
        { name: 'api', image: 'x' },
        { name: 'Bad_Name', image: 'x', cpu: 64, memory: 100, imagee: 'y' },
        { name: 'w', image: 'x', secrets: { A: 'arn:aws:s3:::bucket' }, policies: ['ReadOnly'] },
        {
          name: 'h',
          image: 'x',
          healthCheck: { pth: '/' },
          hosts: ['localhost'],
          environment: { AWS_REGION: 'x' },
        },
      ],
      'services',
      problems,
    );
    expect(problems).toEqual([
      'services "api": "port" must be a port number from 1 to 65535 (got 70000)',
      'services: service name "api" is declared twice',
      'services "Bad_Name": unknown key "imagee" (did you mean "image"?)',
      'services "Bad_Name": "name" must be lower-case letters, digits and single hyphens (at most 64 characters)',
      'services "Bad_Name": "cpu" must be CPU units (1024 = one vCPU) from 128 to 196608 (got 64)',
      'services "Bad_Name": "memory" must be MiB from 128 to 25165824 (got 100)',
      'services "w": "policies" "ReadOnly": not an IAM managed policy ARN (arn:aws:iam::aws:policy/NAME)',
      'services "w": secrets.A "arn:aws:s3:::bucket" is not a Secrets Manager secret ARN or SSM parameter ARN',
      'services "h": "hosts" "localhost": not a host name pattern with at least one dot',
      'services "h": environment.AWS_REGION is not a usable variable name (ecspoc sets it)',
      'services "h": unknown key "healthCheck.pth" (did you mean "path"?)',
    ]);
  });

  it('refuses a config file with a bad port and a duplicate name in one usage error naming both', async () => {
    const error = await refusal(
      'services:\n  - {name: api, image: x, port: 0}\n  - {name: api, image: y, port: 80}\n',
    );
    expect(error.message).toMatch(
      /"port" must be a port number.*got 0.*service name "api" is declared twice/,
    );
    expect(error.exitCode).toBe(2);
  });

  it('suggests the key meant at the top level and in an environment', async () => {
    expect((await refusal('servces: []\n')).message).toMatch(
      /unknown key "servces" \(did you mean "services"\?\)/,
    );
    expect((await refusal('environments:\n  dev:\n    service: []\n')).message).toMatch(
      /unknown key "environments.dev.service" \(did you mean "services"\?\)/,
    );
  });
});

describe('merging top-level and per-environment services', () => {
  it('overrides key by key, merges maps by key, and appends new names', () => {
    const merged = mergeServiceLists(
      [
        { name: 'api', image: 'a:1', port: 80, count: 2, environment: { A: '1', B: '2' } },
        { name: 'jobs', image: 'j:1' },
      ],
      [
        { name: 'api', count: 5, environment: { B: 'two' } },
        { name: 'extra', image: 'e:1' },
      ],
    );
    expect(merged).toEqual([
      { name: 'api', image: 'a:1', port: 80, count: 5, environment: { A: '1', B: 'two' } },
      { name: 'jobs', image: 'j:1' },
      { name: 'extra', image: 'e:1' },
    ]);
  });

  it('gives an environment its merged list, and another environment the top level only', async () => {
    const text =
      'services:\n  - {name: api, image: a, port: 80, count: 2}\n' +
      'environments:\n  prod:\n    services:\n      - {name: api, count: 6}\n      - {name: jobs, image: j}\n';
    const prod = await resolveSettings({ env: 'prod' }, configFile(text));
    expect(prod.services).toEqual([
      { name: 'api', image: 'a', port: 80, count: 6 },
      { name: 'jobs', image: 'j' },
    ]);
    const dev = await resolveSettings({ env: 'dev' }, configFile(text));
    expect(dev.services).toEqual([{ name: 'api', image: 'a', port: 80, count: 2 }]);
    const none = await resolveSettings({}, configFile('env: dev\n'));
    expect(none.services).toBeUndefined();
  });

  it('checks the merged list: an environment that gives a worker paths is refused', async () => {
    const error = await refusal(
      'services:\n  - {name: jobs, image: j}\nenvironments:\n  dev:\n    services:\n      - {name: jobs, paths: ["/jobs"]}\n',
    );
    expect(error.message).toMatch(
      /Services of environment "dev": services "jobs" is a worker \(no port\) but has paths/,
    );
  });
});

describe('checks of the whole list', () => {
  it('refuses overlapping routes, a routeless image-less service and too many rule values', () => {
    expect(
      serviceListProblems([
        { name: 'a', image: 'x', port: 80, paths: ['/api/*'] },
        { name: 'b', image: 'x', port: 80, paths: ['/api/v1'] },
        { name: 'c', port: 80, paths: ['/1', '/2', '/3', '/4'], hosts: ['a.example.com', 'b.example.com'] },
        { name: 'd', image: 'x', port: 80, hosts: ['*.example.com'] },
      ]),
    ).toEqual([
      'services "c" has neither a repository nor an image: give it an image to run',
      'services "c" routes 6 paths and hosts; a listener rule takes at most 5',
      'services "a" and "b" both match path "/api/*" and "/api/v1" on any host',
      'services "a" and "d" both match path "/api/*" on host "*.example.com"',
      'services "b" and "d" both match path "/api/v1" on host "*.example.com"',
      'services "c" and "d" both match path "/1" on host "a.example.com" and "*.example.com"',
    ]);
  });

  it('lets services apart by path or by host coexist, and workers route nothing', () => {
    expect(
      serviceListProblems([
        { name: 'a', image: 'x', port: 80, paths: ['/a/*'] },
        { name: 'b', image: 'x', port: 80, paths: ['/b/*'] },
        { name: 'c', image: 'x', port: 80, hosts: ['c.example.com'], paths: ['/c'] },
        { name: 'w', image: 'x' },
        { name: 'v', image: 'x' },
      ]),
    ).toEqual([]);
    // Two services without paths or hosts default to /<name> and /<name>/*: apart.
    expect(
      serviceListProblems([
        { name: 'a', image: 'x', port: 80 },
        { name: 'b', image: 'x', port: 80 },
      ]),
    ).toEqual([]);
  });

  it('intersects glob patterns as the load balancer matches them', () => {
    expect(globsIntersect('/api/*', '/api/v1')).toBe(true);
    expect(globsIntersect('/a*', '*b')).toBe(true);
    expect(globsIntersect('/a/?', '/a/bc')).toBe(false);
    expect(globsIntersect('/a/*', '/b/*')).toBe(false);
    expect(routeOverlap({ paths: [], hosts: [] }, { paths: [], hosts: [] })).toBe('every request');
    expect(
      routeOverlap({ paths: ['/x'], hosts: ['a.example.com'] }, { paths: ['/x'], hosts: ['b.example.com'] }),
    ).toBeUndefined();
  });
});
