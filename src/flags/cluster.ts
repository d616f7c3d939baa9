import { Flags } from '@oclif/core';

/**
 * `--cluster` and its companions: day-two commands on an ECS-on-EC2 cluster ecspoc did not deploy.
 * Each falls back to the environment's entry in the config file (`environments.<env>.cluster`, `asg`,
 * `bastion`, `instanceLogPrefix`); see adoptRequest in src/base-command.ts.
 */
export const clusterFlag = {
  cluster: Flags.string({
    description:
      'an ECS cluster ecspoc did not deploy: its Auto Scaling group, log groups and instances are discovered (default: environments.<env>.cluster of the config file)',
    helpGroup: 'CLUSTER',
  }),
};

/** `--asg`: the group of an adopted cluster to work through when its instances come from several. */
export const asgFlag = {
  asg: Flags.string({
    description: 'with --cluster: the Auto Scaling group to work through when the cluster has several',
    helpGroup: 'CLUSTER',
  }),
};

/** `--bastion`: an adopted cluster's bastion, by EC2 instance id. */
export const bastionFlag = {
  bastion: Flags.string({
    description: 'with --cluster: the bastion, by EC2 instance id (none: use --via ssm or --via eice)',
    helpGroup: 'CLUSTER',
  }),
};

/** `--instance-log-prefix`: where an adopted cluster's instance log groups live. */
export const instanceLogPrefixFlag = {
  'instance-log-prefix': Flags.string({
    description:
      'with --cluster: prefix of the instance log groups, e.g. /ecs/prod/ (one group per log file)',
    helpGroup: 'CLUSTER',
  }),
};
