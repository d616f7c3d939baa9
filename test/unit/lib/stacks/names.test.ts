import { describe, expect, it } from '@jest/globals';

import {
  bucketName,
  MAX_ENV_NAME_LENGTH,
  serviceNameProblem,
  serviceSlug,
  targetGroupName,
} from '../../../../src/lib/stacks/names.js';

describe('serviceSlug', () => {
  it('keeps a service name that fits', () => {
    expect(serviceSlug('dev', 'php-hello')).toBe('php-hello');
    expect(targetGroupName('abcdefghijkl', 'php-hello')).toBe('ecspoc-abcdefghijkl-php-hello');
  });

  it('keeps every target group name within 32 characters, for any environment name length', () => {
    const service = 'a-service-with-a-rather-long-name-indeed';
    for (let length = 1; length <= MAX_ENV_NAME_LENGTH; length++) {
      const env = 'e'.repeat(length);
      const name = targetGroupName(env, service);
      expect(name.length).toBeLessThanOrEqual(32);
      expect(name).toMatch(/^ecspoc-e+-[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(serviceNameProblem(serviceSlug(env, service))).toBeUndefined();
    }
  });

  it('tells two long names with the same beginning apart', () => {
    const first = serviceSlug('production', 'reporting-service-eu');
    const second = serviceSlug('production', 'reporting-service-us');
    expect(first).not.toBe(second);
    expect(first.startsWith('repo')).toBe(true);
  });
});

describe('serviceNameProblem', () => {
  it('accepts the sample services and rejects what ECR or CloudFormation would', () => {
    expect(serviceNameProblem('404')).toBeUndefined();
    expect(serviceNameProblem('php-hello')).toBeUndefined();
    expect(serviceNameProblem('')).toBe('it is empty');
    expect(serviceNameProblem('Php')).toMatch(/lower-case/);
    expect(serviceNameProblem('a--b')).toMatch(/single hyphens/);
    expect(serviceNameProblem('x'.repeat(65))).toMatch(/65 characters/);
  });
});

describe('bucketName', () => {
  it('fits S3 for the longest environment name in the longest region', () => {
    expect(
      bucketName('e'.repeat(MAX_ENV_NAME_LENGTH), '123456789012', 'ap-southeast-5').length,
    ).toBeLessThanOrEqual(63);
  });
});
