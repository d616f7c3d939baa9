import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from '@jest/globals';

import { readIdleAlarm } from '../../../../src/lib/bastion/parking.js';
import { awsError, mockSdk, sdkClient } from '../../helpers/mock-sdk.js';

const cloudwatch = mockSdk(CloudWatchClient);
const client = () => sdkClient(CloudWatchClient);
const NAME = 'ecspoc-dev-bastion-idle-stop';

describe('readIdleAlarm', () => {
  it('reads the alarm by name, metric alarms only, with its state and when it changed', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: NAME, StateValue: 'ALARM', StateUpdatedTimestamp: new Date('2026-01-01T11:40:00Z') },
      ],
    });
    await expect(readIdleAlarm(client(), NAME)).resolves.toEqual({
      state: 'ALARM',
      since: '2026-01-01T11:40:00.000Z',
    });
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: [NAME],
      AlarmTypes: ['MetricAlarm'],
    });
  });

  it('answers undefined when CloudWatch has no such alarm (an empty list, as AWS answers)', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    await expect(readIdleAlarm(client(), NAME)).resolves.toBeUndefined();
  });

  it('names the call and the permission when it is refused', async () => {
    cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudwatch:DescribeAlarms', 403));
    await expect(readIdleAlarm(client(), NAME)).rejects.toThrow(/cloudwatch:DescribeAlarms/);
  });
});
