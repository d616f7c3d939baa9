import { didYouMean } from '../config/services.js';
import { UsageError } from '../errors.js';

/** The ways `ssh-config` reaches container instances. */
export const SSH_VIAS = ['bastion', 'ssm', 'eice'] as const;
/** One of SSH_VIAS. */
export type SshVia = (typeof SSH_VIAS)[number];

/** What is wrong with a way in, as `must be …, not "x" (did you mean "y"?)`; undefined when it is one of SSH_VIAS. */
export function sshViaProblem(value: unknown): string | undefined {
  if ((SSH_VIAS as readonly unknown[]).includes(value)) return undefined;
  return `must be bastion, ssm or eice, not "${String(value)}"${didYouMean(String(value), SSH_VIAS)}`;
}

/**
 * The way ssh-config reaches the instances: `--via` over the config file's `sshVia` (whose
 * environment entry already won over its top level), undefined for the default (the bastion).
 * A bad flag fails here with one line; the config file's value was checked when it was read.
 */
export function resolveSshVia(flag: string | undefined, configured: string | undefined): SshVia | undefined {
  const via = flag ?? configured;
  if (via === undefined) return undefined;
  const problem = sshViaProblem(via);
  if (problem) {
    throw new UsageError(
      'SSH_VIA_INVALID',
      `${flag === undefined ? 'sshVia in the config file' : '--via'} ${problem}.`,
      {
        suggestions: ['For example: ecspoc ssh-config --via ssm'],
      },
    );
  }
  return via as SshVia;
}
