import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';

import { latestImage, uploadTemplate } from '../../../../src/lib/stacks/artifacts.js';
import { mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const ecrMock = mockSdk(ECRClient);
const s3Mock = mockSdk(S3Client);

describe('uploadTemplate', () => {
  it('stores the template under a content hash and returns the regional path-style URL', async () => {
    s3Mock.on(PutObjectCommand).resolves({});
    const body = 'Resources: {}\n'.repeat(5000);
    const url = await uploadTemplate(
      sdkClient(S3Client),
      'eu-west-1',
      'ecspoc-dev-bucket',
      'ecspoc-dev-cluster',
      body,
    );
    const input = s3Mock.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(input.Bucket).toBe('ecspoc-dev-bucket');
    expect(input.Key).toMatch(/^templates\/ecspoc-dev-cluster\/[0-9a-f]{16}\.yml$/);
    expect(url).toBe(`https://s3.eu-west-1.amazonaws.com/ecspoc-dev-bucket/${input.Key}`);
    const again = await uploadTemplate(
      sdkClient(S3Client),
      'eu-west-1',
      'ecspoc-dev-bucket',
      'ecspoc-dev-cluster',
      body,
    );
    expect(again).toBe(url);
  });
});

describe('latestImage', () => {
  it('picks the most recently pushed tagged image across pages', async () => {
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'ecspoc-dev/404', nextToken: undefined })
      .resolves({
        imageDetails: [{ imageTags: ['old'], imagePushedAt: new Date('2026-01-01T00:00:00Z') }],
        nextToken: 'p2',
      })
      .on(DescribeImagesCommand, { repositoryName: 'ecspoc-dev/404', nextToken: 'p2' })
      .resolves({
        imageDetails: [{ imageTags: ['abc123'], imagePushedAt: new Date('2026-02-01T00:00:00Z') }],
      });
    ecrMock.on(DescribeRepositoriesCommand).resolves({
      repositories: [{ repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/404' }],
    });
    expect(await latestImage(sdkClient(ECRClient), 'ecspoc-dev/404')).toEqual({
      uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/ecspoc-dev/404:abc123',
      pushedAt: '2026-02-01T00:00:00.000Z',
    });
  });

  it('returns nothing before the first push or when the repository is gone', async () => {
    ecrMock.on(DescribeImagesCommand).resolvesOnce({ imageDetails: [] });
    expect(await latestImage(sdkClient(ECRClient), 'ecspoc-dev/404')).toBeUndefined();
    ecrMock
      .on(DescribeImagesCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'RepositoryNotFoundException' }));
    expect(await latestImage(sdkClient(ECRClient), 'ecspoc-dev/404')).toBeUndefined();
    expect(ecrMock.commandCalls(DescribeRepositoriesCommand)).toHaveLength(0);
  });
});
