/** Who the credentials belong to: one sts:GetCallerIdentity, which needs no permission and works even under an explicit deny (AWS STS API reference, GetCallerIdentity). */
import {
  GetCallerIdentityCommand,
  type GetCallerIdentityCommandOutput,
  STSClient,
} from '@aws-sdk/client-sts';

import { type AwsClients, toAwsError } from './clients.js';

/** Reads the caller identity (account, ARN, user id); a failure names the call and the endpoint in use. */
export async function readCallerIdentity(
  aws: AwsClients,
  settings: { profile?: string; endpointUrl?: string } = {},
): Promise<GetCallerIdentityCommandOutput> {
  try {
    return await aws.client(STSClient).send(new GetCallerIdentityCommand({}));
  } catch (error) {
    throw toAwsError(error, 'reading the caller identity (sts:GetCallerIdentity)', settings);
  }
}
