import { resolve } from 'node:path';
import SSHConfig, { type Line, LineType } from 'ssh-config';

import { deployBastionHint, startBastionHint } from '../bastion/index.js';
import { UsageError } from '../errors.js';
import type { SshInventory } from './discover.js';
import { sshViaProblem, type SshVia } from './via.js';

/** How the Host blocks are written; the flags of `ecspoc ssh-config`. */
export interface SshConfigOptions {
  /** Login user on the container instances; default `ec2-user` (ECS-optimised Amazon Linux). */
  user: string;
  /** Login user on the bastion; default the instances' user. */
  bastionUser?: string;
  /** Private key for the container instances. */
  identityFile?: string;
  /** Private key for the bastion; default the instances' key. */
  bastionIdentityFile?: string;
  /** Start of every alias; default `ecspoc-<env>-`. */
  hostPrefix?: string;
  /** `command`: `ProxyCommand ssh -W %h:%p <bastion>`; `jump`: `ProxyJump <bastion>`. */
  proxy: 'command' | 'jump';
  /** How instances are reached: through the bastion (default), Session Manager or an EC2 Instance Connect Endpoint. */
  via?: SshVia;
  /** Through `ecspoc bastion proxy`, which starts a stopped bastion, instead of its current address. */
  bastionOnDemand?: boolean;
  /** The AWS context the generated ProxyCommands use (`aws …` and `ecspoc bastion proxy`). */
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

export { SSH_VIAS, type SshVia } from './via.js';

/** What the block needs beyond the inventory: the EC2 Instance Connect Endpoint for `via: eice`. */
export interface BlockContext {
  instanceConnectEndpointId?: string;
}

/** One generated Host entry, as `ssh -G` should resolve it. */
export interface GeneratedHost {
  alias: string;
  role: 'bastion' | 'instance';
  instanceId?: string;
  /** Undefined for a bastion without an address (stopped or missing). */
  hostName?: string;
  user: string;
  identityFile?: string;
  proxyCommand?: string;
  proxyJump?: string;
}

/** The managed block of one environment: its text (LF line ends) and the hosts in it. */
export interface ManagedBlock {
  env: string;
  text: string;
  hosts: GeneratedHost[];
  options: SshConfigOptions;
}

/** The login user of the ECS-optimised Amazon Linux AMIs. */
export const DEFAULT_USER = 'ec2-user';

/** The alias prefix when none is given: `ecspoc-<env>-`, so several environments share one file. */
export function defaultHostPrefix(env: string): string {
  return `ecspoc-${env}-`;
}

/** The first line of an environment's managed block. */
export function beginMarker(env: string): string {
  return `# BEGIN ecspoc ${env}`;
}

/** The last line of an environment's managed block. */
export function endMarker(env: string): string {
  return `# END ecspoc ${env}`;
}

/** The comment that records the options a block was written with, so a refresh can repeat them. */
export const OPTIONS_PREFIX = '# ecspoc-options ';

const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const HOST_PREFIX = /^[A-Za-z0-9_.-]*$/;

/**
 * Checks and normalises the options: user names and the prefix must be plain tokens (no pattern
 * characters or spaces), key paths become absolute (unless they start with `~`, which ssh expands).
 */
export function normaliseOptions(
  env: string,
  options: Partial<SshConfigOptions>,
  cwd = process.cwd(),
): SshConfigOptions {
  const user = options.user ?? DEFAULT_USER;
  for (const [flag, value] of [
    ['--user', user],
    ['--bastion-user', options.bastionUser],
  ] as const) {
    if (value !== undefined && !USER_NAME.test(value)) {
      throw new UsageError('SSH_USER_INVALID', `${flag} "${value}" is not a valid login name.`, {
        suggestions: [`Give a plain user name such as ${DEFAULT_USER}.`],
      });
    }
  }
  const hostPrefix = options.hostPrefix ?? defaultHostPrefix(env);
  if (!HOST_PREFIX.test(hostPrefix)) {
    throw new UsageError(
      'SSH_PREFIX_INVALID',
      `--host-prefix "${hostPrefix}" may hold only letters, digits, ".", "_" and "-" (ssh reads other characters as patterns).`,
      { suggestions: [`Try --host-prefix ${defaultHostPrefix(env)}`] },
    );
  }
  const keyPath = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    // eslint-disable-next-line no-control-regex
    if (value === '' || /["\u0000-\u001f\u007f]/.test(value)) {
      throw new UsageError(
        'SSH_IDENTITY_INVALID',
        `${flag} must be a file path without quotes or control characters.`,
        {
          suggestions: [`For example ${flag} ~/.ssh/${env}.pem`],
        },
      );
    }
    return value.startsWith('~') ? value : resolve(cwd, value);
  };
  const identityFile = keyPath('--identity-file', options.identityFile);
  const bastionIdentityFile = keyPath('--bastion-identity-file', options.bastionIdentityFile) ?? identityFile;
  if (options.proxy !== undefined && options.proxy !== 'command' && options.proxy !== 'jump') {
    throw new UsageError(
      'SSH_PROXY_INVALID',
      `--proxy must be "command" or "jump", not "${String(options.proxy)}".`,
    );
  }
  const via = options.via ?? 'bastion';
  const viaProblem = sshViaProblem(via);
  if (viaProblem) {
    throw new UsageError('SSH_VIA_INVALID', `--via ${viaProblem}.`, {
      suggestions: [`Try: ecspoc ssh-config --env ${env} --via ssm`],
    });
  }
  if (options.bastionOnDemand && via !== 'bastion') {
    throw new UsageError(
      'SSH_ON_DEMAND_VIA',
      `--bastion-on-demand routes through the bastion; it cannot be combined with --via ${via}.`,
      { suggestions: [`Drop one: ecspoc ssh-config --env ${env} --via ${via}`] },
    );
  }
  if (options.region !== undefined && !/^[a-z0-9-]+$/.test(options.region)) {
    throw new UsageError('SSH_REGION_INVALID', `Region "${options.region}" is not a region name.`, {
      suggestions: ['Give a region such as eu-west-1.'],
    });
  }
  return {
    user,
    bastionUser: options.bastionUser ?? user,
    ...(identityFile ? { identityFile } : {}),
    ...(bastionIdentityFile ? { bastionIdentityFile } : {}),
    hostPrefix,
    proxy: options.proxy ?? 'command',
    via,
    ...(options.bastionOnDemand ? { bastionOnDemand: true } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
  };
}

/** ` --region R --profile P --endpoint-url U` for the commands a ProxyCommand runs, each value quoted for the shell. */
function awsContextArguments(options: SshConfigOptions): string {
  return [
    ...(options.region ? ['--region', sshCommandArgument(options.region)] : []),
    ...(options.profile ? ['--profile', sshCommandArgument(options.profile)] : []),
    ...(options.endpointUrl ? ['--endpoint-url', sshCommandArgument(options.endpointUrl)] : []),
  ]
    .map((part) => ` ${part}`)
    .join('');
}

/**
 * The ProxyCommand that reaches one instance without a bastion. ssh runs it through the user's shell
 * after expanding `%` tokens, so every value is quoted by sshCommandArgument. The forms are AWS's own:
 * Session Manager's "Allow and control permissions for SSH connections" page gives
 * `aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p`
 * (here the instance id stands in for %h, as the alias is not an instance id), and the EC2 guide's
 * "Connect using EC2 Instance Connect Endpoint" gives `ProxyCommand aws ec2-instance-connect open-tunnel
 * --instance-id ID`; `--remote-port %p` keeps a Port directive working (open-tunnel defaults to 22).
 */
export function directProxyCommand(
  via: 'ssm' | 'eice',
  instanceId: string,
  options: SshConfigOptions,
  context: BlockContext = {},
): string {
  const id = sshCommandArgument(instanceId);
  const tail = awsContextArguments(options);
  if (via === 'ssm')
    return `aws ssm start-session --target ${id} --document-name AWS-StartSSHSession --parameters portNumber=%p${tail}`;
  const endpoint = context.instanceConnectEndpointId
    ? ` --instance-connect-endpoint-id ${sshCommandArgument(context.instanceConnectEndpointId)}`
    : '';
  return `aws ec2-instance-connect open-tunnel --instance-id ${id}${endpoint} --remote-port %p${tail}`;
}

/** The ProxyCommand of `--bastion-on-demand`: ecspoc starts a stopped bastion and tunnels through its current address. */
export function onDemandProxyCommand(env: string, options: SshConfigOptions): string {
  const user = options.bastionUser ?? options.user;
  const login = [
    ...(user !== DEFAULT_USER ? ['--user', sshCommandArgument(user)] : []),
    ...(options.bastionIdentityFile
      ? ['--identity-file', sshCommandArgument(options.bastionIdentityFile)]
      : []),
  ]
    .map((part) => ` ${part}`)
    .join('');
  return `ecspoc bastion proxy --env ${sshCommandArgument(env)}${awsContextArguments(options)}${login} %h %p`;
}

/**
 * Builds the managed block of one environment with the ssh-config library: a Host for the bastion
 * (its current public address) and one per running container instance (private address, reached
 * through the bastion). `configFile` is the file the block goes to when it is not ~/.ssh/config:
 * ProxyCommand then passes it to the inner ssh with -F (ProxyJump does so by itself).
 */
export function buildManagedBlock(
  inventory: SshInventory,
  options: SshConfigOptions,
  configFile?: string,
  context: BlockContext = {},
): ManagedBlock {
  const via = options.via ?? 'bastion';
  const { env, bastion } = inventory;
  const prefix = options.hostPrefix ?? defaultHostPrefix(env);
  const bastionAlias = `${prefix}bastion`;
  const config = new SSHConfig();
  const comment = (text: string) =>
    config.push({ type: LineType.COMMENT, content: `# ${text}`, before: '', after: '\n' } as Line);

  config.push({ type: LineType.COMMENT, content: beginMarker(env), before: '', after: '\n' } as Line);
  comment('Written by "ecspoc ssh-config --write": this block is replaced on every run; edit outside it.');
  config.push({
    type: LineType.COMMENT,
    content: OPTIONS_PREFIX + JSON.stringify(options),
    before: '',
    after: '\n',
  } as Line);

  const hosts: GeneratedHost[] = [];
  const bastionAddress = bastion.publicIp ?? bastion.publicDnsName;
  if (via !== 'bastion') {
    comment(
      via === 'ssm'
        ? 'Through AWS Systems Manager Session Manager (needs the session-manager-plugin): no bastion.'
        : `Through the EC2 Instance Connect Endpoint ${context.instanceConnectEndpointId ?? '(any in the VPC)'}: no bastion.`,
    );
  } else if (options.bastionOnDemand) {
    comment('Through "ecspoc bastion proxy", which starts the bastion when it is stopped.');
  } else if (bastion.state === 'missing') {
    comment(`No bastion: ${bastion.missingReason}. Deploy it: ${deployBastionHint(env)}`);
  } else if (!bastionAddress) {
    comment(
      `Bastion ${bastion.instanceId} is ${bastion.state} and has no public address. ` +
        `Start it and refresh this block: ${startBastionHint(env)}`,
    );
  } else {
    comment(`Bastion ${bastion.instanceId} (${bastion.state}) of stack ${bastion.stackName}`);
  }
  const bastionHost: GeneratedHost = {
    alias: bastionAlias,
    role: 'bastion',
    ...(bastion.instanceId ? { instanceId: bastion.instanceId } : {}),
    ...(bastionAddress ? { hostName: bastionAddress } : {}),
    user: options.bastionUser ?? options.user,
    ...(options.bastionIdentityFile ? { identityFile: options.bastionIdentityFile } : {}),
  };
  if (via === 'bastion') {
    hosts.push(bastionHost);
    config.append(hostDirectives(bastionHost));
  }

  const left = inventory.skipped.length;
  comment(
    inventory.clusterFound
      ? `Container instances of cluster ${inventory.clusterName}: ${inventory.instances.length} running` +
          (left ? `, ${left} left out (${summariseSkipped(inventory.skipped)})` : '')
      : `Cluster ${inventory.clusterName} does not exist: no container instances.`,
  );
  const proxyCommand = [
    'ssh',
    ...(configFile ? ['-F', sshCommandArgument(configFile)] : []),
    '-W',
    '%h:%p',
    bastionAlias,
  ].join(' ');
  for (const instance of inventory.instances) {
    const host: GeneratedHost = {
      alias: `${prefix}${instance.instanceId}`,
      role: 'instance',
      instanceId: instance.instanceId,
      hostName: instance.privateIp,
      user: options.user,
      ...(options.identityFile ? { identityFile: options.identityFile } : {}),
      ...(via !== 'bastion'
        ? { proxyCommand: directProxyCommand(via, instance.instanceId, options, context) }
        : options.bastionOnDemand
          ? { proxyCommand: onDemandProxyCommand(env, options) }
          : options.proxy === 'jump'
            ? { proxyJump: bastionAlias }
            : { proxyCommand }),
    };
    hosts.push(host);
    config.append(hostDirectives(host));
  }
  config.push({ type: LineType.COMMENT, content: endMarker(env), before: '', after: '\n' } as Line);
  return { env, text: normaliseLayout(SSHConfig.stringify(config)), hosts, options };
}

/** `2 stopped, 1 pending`: the reasons instances were left out, most frequent first. */
export function summariseSkipped(skipped: { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const { reason } of skipped) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
}

function hostDirectives(host: GeneratedHost): Record<string, string> {
  return {
    Host: host.alias,
    ...(host.hostName ? { HostName: host.hostName } : {}),
    User: host.user,
    ...(host.identityFile ? { IdentityFile: host.identityFile, IdentitiesOnly: 'yes' } : {}),
    // Known-hosts entries follow the alias, not the address: the bastion's public address changes on
    // every start and private addresses are reused as instances are replaced.
    HostKeyAlias: host.alias,
    ...(host.proxyCommand ? { ProxyCommand: host.proxyCommand } : {}),
    ...(host.proxyJump ? { ProxyJump: host.proxyJump } : {}),
  };
}

/**
 * One blank line between Host entries and none elsewhere, whatever the library's spacing; the
 * block's comments stay with the entry that follows them.
 */
function normaliseLayout(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const out: string[] = [];
  for (const line of lines) {
    const startsEntry = line.startsWith('#') || /^Host\s/.test(line);
    const previous = out[out.length - 1];
    if (
      startsEntry &&
      previous !== undefined &&
      !previous.startsWith('#') &&
      !/^# (BEGIN|END) ecspoc /.test(line)
    )
      out.push('');
    out.push(line);
  }
  return out.join('\n') + '\n';
}

/**
 * One argument of the shell command ssh runs for ProxyCommand: `%` doubled (ssh expands
 * `%` tokens first), single-quoted when it holds anything but safe characters.
 */
export function sshCommandArgument(value: string): string {
  const escaped = value.replace(/%/g, '%%');
  return /^[A-Za-z0-9_./~@:+=-]+$/.test(escaped) ? escaped : `'${escaped.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `ecspoc ssh-config --write` command line that writes a block with these options again
 * (defaults left out), for messages that tell the operator how to refresh the block.
 */
export function sshConfigCommand(env: string, options: SshConfigOptions, file?: string): string {
  const quote = (value: string) =>
    /^[A-Za-z0-9_./~@:+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
  const user = options.user ?? DEFAULT_USER;
  const parts = ['ecspoc ssh-config --write', `--env ${env}`];
  if (file) parts.push(`--file ${quote(file)}`);
  if (user !== DEFAULT_USER) parts.push(`--user ${quote(user)}`);
  if (options.identityFile) parts.push(`--identity-file ${quote(options.identityFile)}`);
  if (options.bastionUser && options.bastionUser !== user)
    parts.push(`--bastion-user ${quote(options.bastionUser)}`);
  if (options.bastionIdentityFile && options.bastionIdentityFile !== options.identityFile)
    parts.push(`--bastion-identity-file ${quote(options.bastionIdentityFile)}`);
  if (options.hostPrefix !== undefined && options.hostPrefix !== defaultHostPrefix(env))
    parts.push(`--host-prefix ${quote(options.hostPrefix)}`);
  if (options.proxy === 'jump') parts.push('--proxy jump');
  if (options.via && options.via !== 'bastion') parts.push(`--via ${options.via}`);
  if (options.bastionOnDemand) parts.push('--bastion-on-demand');
  return parts.join(' ');
}

/** Reads the options a block was written with (its `# ecspoc-options` line); undefined if absent or unreadable. */
export function readBlockOptions(blockText: string): SshConfigOptions | undefined {
  const line = blockText.split(/\r?\n/).find((l) => l.startsWith(OPTIONS_PREFIX));
  if (!line) return undefined;
  try {
    const parsed = JSON.parse(line.slice(OPTIONS_PREFIX.length)) as Partial<SshConfigOptions>;
    if (typeof parsed.user !== 'string' || (parsed.proxy !== 'command' && parsed.proxy !== 'jump'))
      return undefined;
    if (parsed.via !== undefined && sshViaProblem(parsed.via)) return undefined;
    return parsed as SshConfigOptions;
  } catch {
    return undefined;
  }
}

/** The HostName of `alias` inside a block, read with the ssh-config library; undefined when it has none. */
export function blockHostName(blockText: string, alias: string): string | undefined {
  const section = SSHConfig.parse(blockText).find({ Host: alias });
  if (!section || !('config' in section)) return undefined;
  const line = section.config.find(
    (l) => l.type === LineType.DIRECTIVE && 'param' in l && l.param.toLowerCase() === 'hostname',
  );
  return line && 'value' in line && typeof line.value === 'string' ? line.value : undefined;
}
