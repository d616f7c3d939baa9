// The bastion the bastion unit tests talk to: its stack output names i-0b, and its EC2 answers are
// scripted, one state per DescribeInstances call and one status per DescribeInstanceStatus call.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { beforeEach } from '@jest/globals';

import { fakeClock } from '../../helpers/fake-clock.js';
import { mockSdk, mockStacks, sdkClient } from '../../helpers/mock-sdk.js';

export const cfn = mockSdk(CloudFormationClient);
export const ec2 = mockSdk(EC2Client);

/** The bastion engine's clients, answering from the stubs above. */
export const clients = () => ({ cloudformation: sdkClient(CloudFormationClient), ec2: sdkClient(EC2Client) });

/** The shared fake clock, at the noon the instances below were launched an hour before. */
export const noonClock = () => fakeClock(Date.parse('2026-01-01T12:00:00Z'));

export type State = 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';

/** The instance answers with these states, one per DescribeInstances call, then keeps the last. */
export function instanceStates(...states: State[]) {
  let call = 0;
  ec2.on(DescribeInstancesCommand).callsFake(() => {
    const state = states[Math.min(call++, states.length - 1)];
    return {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0b',
              State: { Name: state },
              ...(state === 'running' ? { PublicIpAddress: `198.51.100.${call}` } : {}),
              PrivateIpAddress: '10.0.0.4',
              InstanceType: 't3.micro',
              LaunchTime: new Date('2026-01-01T11:00:00Z'),
            },
          ],
        },
      ],
    };
  });
}

/** The instance's status checks answer with these, one per DescribeInstanceStatus call, then keep the last. */
export function statusChecks(...statuses: string[]) {
  let call = 0;
  ec2.on(DescribeInstanceStatusCommand).callsFake(() => {
    const status = statuses[Math.min(call++, statuses.length - 1)];
    return {
      InstanceStatuses: [
        { InstanceId: 'i-0b', InstanceStatus: { Status: status }, SystemStatus: { Status: 'ok' } },
      ],
    };
  });
}

beforeEach(() => {
  mockStacks({ 'ecspoc-dev-bastion': { BastionInstanceId: 'i-0b' } });
  ec2.on(StartInstancesCommand).resolves({});
  ec2.on(StopInstancesCommand).resolves({});
});
