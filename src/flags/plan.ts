import { Flags } from '@oclif/core';

/** Flags shared by `deploy` and `diff`, which build the same plan. */
export const planFlags = {
  parameter: Flags.string({
    char: 'p',
    multiple: true,
    default: [],
    description:
      'Key=Value for every stack that declares Key, or component.Key=Value for one stack (repeatable)',
  }),
  force: Flags.boolean({
    description:
      'create a change set for every stack, even one whose template and parameters are as deployed',
  }),
};
