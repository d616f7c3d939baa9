import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, CreateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runCli, TEST_HOME } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';

const TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
});

describe('ecspoc doctor against moto_server', () => {
  it('reports the account, region, endpoint and that every service answers', async () => {
    const result = await runCli(['doctor', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.account).toBe('123456789012');
    expect(report.region).toBe('us-east-1');
    expect(report.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.env).toBe('dev');
    expect(report.services.length).toBeGreaterThanOrEqual(10);
    expect(report.services.filter((s: { ok: boolean }) => !s.ok)).toEqual([]);
    expect(report.problems).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('has no stacks'),
        suggestion: 'ecspoc deploy --env dev',
      }),
    ]);
  });

  it('lists the stacks of the environment only', async () => {
    const cfn = new CloudFormationClient(clientConfig());
    await cfn.send(new CreateStackCommand({ StackName: 'ecspoc-qa-network', TemplateBody: TEMPLATE }));
    await cfn.send(new CreateStackCommand({ StackName: 'ecspoc-other-network', TemplateBody: TEMPLATE }));
    const result = await runCli(['doctor', '--json', '--env', 'qa']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.stacks).toEqual([
      expect.objectContaining({
        stackName: 'ecspoc-qa-network',
        component: 'network',
        status: 'CREATE_COMPLETE',
      }),
    ]);
    expect(report.problems).toEqual([]);
    expect(report.missingComponents).toContain('cluster');
    expect(report.missingComponents).not.toContain('network');
  });

  it('reports whether a CloudTrail trail records the region (the API-call deploy alert needs one)', async () => {
    const before = JSON.parse((await runCli(['doctor', '--json'])).stdout);
    expect(before.trail).toEqual({ trails: [] });
    const config = clientConfig();
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const cloudtrail = new CloudTrailClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: 'doctor-trail-logs' }));
    await cloudtrail.send(
      new CreateTrailCommand({ Name: 'org', S3BucketName: 'doctor-trail-logs', IsMultiRegionTrail: true }),
    );
    s3.destroy();
    cloudtrail.destroy();
    const after = await runCli(['doctor']);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('cloudtrail   org');
  });

  it('prints a readable report without --json', async () => {
    const result = await runCli(['doctor']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('account      123456789012');
    expect(result.stdout).toMatch(/ok\s+cloudformation/);
  });

  it('takes the environment from ECSPOC_ENV and from the config file, flag first', async () => {
    const dir = join(TEST_HOME, 'project');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.ecspoc.yml'), 'env: fromfile\n');
    const fromFile = await runCli(['doctor', '--json'], { cwd: dir });
    expect(JSON.parse(fromFile.stdout).env).toBe('fromfile');
    const fromVariable = await runCli(['doctor', '--json'], { cwd: dir, env: { ECSPOC_ENV: 'fromvar' } });
    expect(JSON.parse(fromVariable.stdout).env).toBe('fromvar');
    const fromFlag = await runCli(['doctor', '--json', '--env', 'fromflag'], {
      cwd: dir,
      env: { ECSPOC_ENV: 'fromvar' },
    });
    expect(JSON.parse(fromFlag.stdout).env).toBe('fromflag');
  });

  describe('fails with one clear line, a suggestion and no stack trace', () => {
    const expectOneLine = (stderr: string) => {
      const lines = stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^Error: /);
      expect(lines.slice(1).every((line) => line.startsWith('Try: '))).toBe(true);
      expect(stderr).not.toMatch(/\n\s+at /);
    };

    it('without a region', async () => {
      const result = await runCli(['doctor'], { env: { AWS_REGION: undefined } });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('No AWS region is set');
      expectOneLine(result.stderr);
    });

    it('without credentials', async () => {
      const result = await runCli(['doctor'], {
        env: {
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('No AWS credentials found');
      expectOneLine(result.stderr);
    });

    it('with an unreachable endpoint', async () => {
      const result = await runCli(['doctor', '--endpoint-url', 'http://127.0.0.1:1']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Cannot reach http://127.0.0.1:1');
      expectOneLine(result.stderr);
    });

    it('naming the --endpoint-url given, from any command', async () => {
      const result = await runCli(['bastion', 'status', '--endpoint-url', 'http://127.0.0.1:1']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Cannot reach http://127.0.0.1:1');
      expectOneLine(result.stderr);
    });

    it('with an invalid environment name', async () => {
      const result = await runCli(['doctor', '--env', 'Prod_1']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Invalid environment name "Prod_1"');
      expectOneLine(result.stderr);
    });

    it('with an unknown flag', async () => {
      const result = await runCli(['doctor', '--bogus']);
      expect(result.code).toBe(2);
      expectOneLine(result.stderr);
    });

    it('as JSON on stdout under --json, keeping the exit code', async () => {
      const result = await runCli(['doctor', '--json', '--endpoint-url', 'http://127.0.0.1:1']);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).error.code).toBe('ENDPOINT_UNREACHABLE');
    });
  });

  it('prints the API call counts to stderr with --debug', async () => {
    const result = await runCli(['doctor', '--debug', '--json']);
    expect(result.code).toBe(0);
    const line = result.stderr.split('\n').find((l) => l.startsWith('ecspoc: api-calls '));
    const counts = JSON.parse((line as string).slice('ecspoc: api-calls '.length));
    expect(counts.operations['STS.GetCallerIdentity']).toEqual({ operations: 1, attempts: 1 });
    expect(counts.total.operations).toBeGreaterThanOrEqual(12);
  });
});
