/**
 * The two things a deploy fetches or stores besides stacks: a large template in the bootstrap
 * bucket (CloudFormation takes at most 51,200 bytes inline), and the image a service's pipeline
 * pushed last (a service's first deploy runs it, if there is one).
 */
import { DescribeImagesCommand, DescribeRepositoriesCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';

import { toAwsError } from '../aws/clients.js';

/**
 * Uploads a template under `templates/<stack>/<content hash>.yml` and returns the regional,
 * path-style URL CloudFormation reads it from.
 */
export async function uploadTemplate(
  s3: Pick<S3Client, 'send'>,
  region: string,
  bucket: string,
  stackName: string,
  body: string,
): Promise<string> {
  const key = `templates/${stackName}/${createHash('sha256').update(body).digest('hex').slice(0, 16)}.yml`;
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-yaml' }),
    );
  } catch (error) {
    throw toAwsError(error, `uploading the template of ${stackName} to s3://${bucket}`);
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://s3.${region}.${domain}/${bucket}/${key}`;
}

/** The newest tagged image of a repository with its URI, or undefined when nothing was pushed. */
export async function latestImage(
  ecr: Pick<ECRClient, 'send'>,
  repositoryName: string,
): Promise<{ uri: string; pushedAt?: string } | undefined> {
  let newest: { tag: string; pushedAt?: Date } | undefined;
  let nextToken: string | undefined;
  try {
    do {
      const page = await ecr.send(
        new DescribeImagesCommand({ repositoryName, filter: { tagStatus: 'TAGGED' }, nextToken }),
      );
      for (const image of page.imageDetails ?? []) {
        const tag = image.imageTags?.[0];
        if (!tag) continue;
        if (!newest || (image.imagePushedAt && (!newest.pushedAt || image.imagePushedAt > newest.pushedAt))) {
          newest = { tag, ...(image.imagePushedAt ? { pushedAt: image.imagePushedAt } : {}) };
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (!newest) return undefined;
    const repository = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
    const uri = repository.repositories?.[0]?.repositoryUri;
    if (!uri) return undefined;
    return {
      uri: `${uri}:${newest.tag}`,
      ...(newest.pushedAt ? { pushedAt: newest.pushedAt.toISOString() } : {}),
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryNotFoundException') return undefined;
    throw toAwsError(error, `reading the images of ${repositoryName}`);
  }
}
