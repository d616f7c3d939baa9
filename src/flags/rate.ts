import { Flags } from '@oclif/core';

/**
 * `--max-rate` of the commands that read CloudWatch Logs with FilterLogEvents (`logs tail`, `events
 * tail`): one budget for the whole tail, since the quota is the account's, not the group's.
 */
export const maxRateFlag = () =>
  Flags.integer({
    description:
      'FilterLogEvents calls per second, shared by every group (default: logs.maxRate of the config file, else 5, the quota of several regions)',
    min: 1,
    max: 100,
  });
