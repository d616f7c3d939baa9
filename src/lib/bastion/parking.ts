/**
 * The idle-stop alarm's state, read for `bastion status`: OK (traffic seen, the bastion stays up),
 * ALARM (idle for the whole window: CloudWatch has run its EC2 stop action) or INSUFFICIENT_DATA
 * (no datapoints yet, or the bastion is stopped: the template treats missing data as not breaching).
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import { toAwsError } from '../aws/clients.js';

/** The alarm as `bastion status` shows it. */
export interface IdleAlarmState {
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** When the alarm last changed state (ISO 8601). */
  since?: string;
}

/**
 * Reads one metric alarm by name (DescribeAlarms with AlarmNames, one call: AWS answers an empty
 * list, not an error, for a name it does not know). Undefined when the alarm is gone.
 */
export async function readIdleAlarm(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  alarmName: string,
): Promise<IdleAlarmState | undefined> {
  const { DescribeAlarmsCommand } = await import('../aws/sdk/cloudwatch.js');
  try {
    const answer = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [alarmName], AlarmTypes: ['MetricAlarm'] }),
    );
    const alarm = (answer.MetricAlarms ?? []).find((a) => a.AlarmName === alarmName);
    if (!alarm?.StateValue) return undefined;
    const since = alarm.StateUpdatedTimestamp?.toISOString();
    return { state: alarm.StateValue as IdleAlarmState['state'], ...(since ? { since } : {}) };
  } catch (error) {
    throw toAwsError(error, `reading the idle-stop alarm ${alarmName} (cloudwatch:DescribeAlarms)`);
  }
}
