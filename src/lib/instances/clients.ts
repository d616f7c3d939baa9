import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';

import type { AwsClients } from '../aws/clients.js';

/** The AWS clients `ecspoc instances` talks through. */
export interface InstanceClients {
  cfn: CloudFormationClient;
  ecs: ECSClient;
  ec2: EC2Client;
  autoscaling: AutoScalingClient;
  ssm: SSMClient;
  /** Names the profile and endpoint in error suggestions. */
  settings?: { profile?: string; endpointUrl?: string };
}

/** The instance clients from the one client factory. */
export function instanceClients(aws: AwsClients): InstanceClients {
  return {
    cfn: aws.client(CloudFormationClient),
    ecs: aws.client(ECSClient),
    ec2: aws.client(EC2Client),
    autoscaling: aws.client(AutoScalingClient),
    ssm: aws.client(SSMClient),
    settings: { profile: aws.settings.profile, endpointUrl: aws.settings.endpointUrl },
  };
}

/** Splits `items` into chunks of at most `size`; the fleet reader's, shared. */
export { chunk } from './reader.js';
