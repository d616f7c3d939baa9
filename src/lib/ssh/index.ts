import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';

import type { AwsClients } from '../aws/clients.js';
import type { AdoptRequest } from '../clusters/target.js';
import { type BastionStatus, deployBastionHint, startBastionHint } from '../bastion/index.js';
import { type Clock, systemClock } from '../time/clock.js';
import { OperationError, UsageError } from '../errors.js';
import { checkLocalTools } from '../doctor/tools.js';
import { unifiedDiff } from './diff.js';
import { type DiscoveryClients, discoverHosts, type SkippedInstance } from './discover.js';
import {
  type ConfigFs,
  defaultSshConfigPath,
  nodeConfigFs,
  readConfigFileState,
  resolveSymlinks,
  updateConfigFile,
} from './file.js';
import {
  blockHostName,
  buildManagedBlock,
  defaultHostPrefix,
  type GeneratedHost,
  normaliseOptions,
  readBlockOptions,
  type SshConfigOptions,
  summariseSkipped,
} from './hosts.js';
import { extractManagedBlock, mergeManagedBlock } from './merge.js';
import { stackName } from '../stacks/names.js';
import { readStack } from '../stacks/reader.js';

export type { GeneratedHost, SshConfigOptions } from './hosts.js';
export { sshConfigCommand, SSH_VIAS, type SshVia } from './hosts.js';
export type { SkippedInstance } from './discover.js';

/** What `ecspoc ssh-config` is asked to do. */
export interface SshConfigRequest {
  env: string;
  /** A cluster ecspoc did not deploy: its instances, and the bastion `--bastion` names (or none). */
  adopt?: AdoptRequest;
  options: Partial<SshConfigOptions>;
  /** Merge the block into `file`. */
  write: boolean;
  /** Show the diff `write` would make; write nothing. */
  dryRun: boolean;
  /** The config file for `write` / `dryRun`; default ~/.ssh/config. */
  file?: string;
  fs?: ConfigFs;
  clock?: Clock;
  cwd?: string;
  /** PATH to look the Session Manager plugin up in for `via: ssm`; default the process's. */
  path?: string;
}

/** Something the operator should know about the generated config, and what to do about it. */
export interface SshConfigWarning {
  code:
    | 'BASTION_MISSING'
    | 'BASTION_STOPPED'
    | 'BASTION_NO_ADDRESS'
    | 'CLUSTER_MISSING'
    | 'INSTANCES_LEFT_OUT'
    | 'SSM_PLUGIN_MISSING';
  message: string;
  suggestion?: string;
}

/** What `ecspoc ssh-config` produced (the `--json` contract). */
export interface SshConfigResult {
  env: string;
  bastion: BastionStatus;
  clusterName: string;
  clusterFound: boolean;
  hosts: GeneratedHost[];
  skipped: SkippedInstance[];
  warnings: SshConfigWarning[];
  /** The managed block (LF line ends). */
  config: string;
  /** The file merged into (write / dry run), as given. */
  file?: string;
  /** The file actually written: the target of `file` when it is a symlink. */
  target?: string;
  written: boolean;
  /** Whether the file's content differs (or would differ, on a dry run) from before. */
  changed: boolean;
  backup?: string;
  /** Unified diff of the file, on a dry run. */
  diff?: string;
}

/** The clients ssh-config and bastion commands use, from the one factory. */
export function sshClients(aws: AwsClients): DiscoveryClients {
  return {
    cloudformation: aws.client(CloudFormationClient),
    ec2: aws.client(EC2Client),
    ecs: aws.client(ECSClient),
  };
}

/**
 * Generates the SSH config of one environment and prints, merges (`write`) or diffs (`dryRun`) it.
 * Options are checked before any AWS call; a bastion that is stopped or missing, a missing cluster
 * and instances that are not running are reported as warnings, and the rest is still generated.
 * With no bastion and no container instance at all there is nothing to write: that is an error.
 */
export async function generateSshConfig(
  clients: DiscoveryClients,
  request: SshConfigRequest,
): Promise<SshConfigResult> {
  const { env } = request;
  const options = normaliseOptions(env, request.options, request.cwd);
  if (request.file !== undefined && !request.write && !request.dryRun) {
    throw new UsageError(
      'SSH_FILE_WITHOUT_WRITE',
      `--file ${request.file} is only read with --write or --dry-run.`,
      {
        suggestions: [`ecspoc ssh-config --write --file ${request.file}`],
      },
    );
  }
  const fs = request.fs ?? nodeConfigFs;
  const via = options.via ?? 'bastion';
  const { adopt } = request;
  if (adopt && options.bastionOnDemand) {
    throw new UsageError(
      'ON_DEMAND_NEEDS_STACK',
      `--bastion-on-demand starts the bastion of an ecspoc environment; cluster ${adopt.cluster} has none.`,
      { suggestions: [`ecspoc ssh-config --cluster ${adopt.cluster} --bastion INSTANCE_ID, or --via ssm`] },
    );
  }
  if (adopt && via === 'bastion' && !adopt.bastion) {
    throw new UsageError(
      'NO_WAY_IN',
      `Cluster ${adopt.cluster} has no bastion ecspoc knows: pass --bastion INSTANCE_ID, or --via ssm or --via eice.`,
      { suggestions: [`ecspoc ssh-config --cluster ${adopt.cluster} --via ssm`] },
    );
  }
  const [inventory, instanceConnectEndpointId] = await Promise.all([
    discoverHosts(clients, env, request.clock ?? systemClock, adopt),
    // An adopted cluster has no network stack: the AWS CLI's open-tunnel then finds an endpoint in the VPC.
    via === 'eice' && !adopt ? findInstanceConnectEndpoint(clients, env) : Promise.resolve(undefined),
  ]);
  const registered = inventory.instances.length + inventory.skipped.length;
  if ((inventory.bastion.state === 'missing' || via !== 'bastion') && registered === 0) {
    const cluster = inventory.clusterFound
      ? `cluster ${inventory.clusterName} has no container instances`
      : `cluster ${inventory.clusterName} does not exist`;
    throw new OperationError(
      'NOTHING_TO_CONFIGURE',
      via === 'bastion'
        ? `Environment "${env}" has nothing to reach over SSH: no bastion (${inventory.bastion.missingReason}) and ${cluster}.`
        : `Environment "${env}" has nothing to reach over SSH: ${cluster}.`,
      { suggestions: [`ecspoc deploy --env ${env}`] },
    );
  }

  const usesFile = request.write || request.dryRun;
  const file = usesFile ? (request.file ?? defaultSshConfigPath()) : undefined;
  const proxyFile = file && file !== defaultSshConfigPath() ? file : undefined;
  const block = buildManagedBlock(
    inventory,
    options,
    proxyFile,
    instanceConnectEndpointId ? { instanceConnectEndpointId } : {},
  );
  const base = {
    env,
    bastion: inventory.bastion,
    clusterName: inventory.clusterName,
    clusterFound: inventory.clusterFound,
    hosts: block.hosts,
    skipped: inventory.skipped,
    warnings: [
      ...warningsFor(
        options,
        inventory.bastion,
        inventory.clusterName,
        inventory.clusterFound,
        inventory.skipped,
      ),
      ...(via === 'ssm' ? pluginWarning(request.path ?? process.env.PATH) : []),
    ],
    config: block.text,
  };
  if (!file) return { ...base, written: false, changed: false };

  if (request.dryRun) {
    const target = await resolveSymlinks(file, fs);
    const current = await readConfigFileState(target, fs);
    const merged = mergeManagedBlock(current?.content, env, block.text, target);
    const diff = unifiedDiff(
      current?.content.toString('utf8') ?? '',
      merged.content.toString('utf8'),
      current ? target : '/dev/null',
      target,
    );
    return { ...base, file, target, written: false, changed: merged.changed, diff };
  }
  const outcome = await updateConfigFile(
    file,
    (content) => mergeManagedBlock(content, env, block.text, file),
    fs,
  );
  return {
    ...base,
    file,
    target: outcome.target,
    written: outcome.changed,
    changed: outcome.changed,
    ...(outcome.backup ? { backup: outcome.backup } : {}),
  };
}

/** What a config file holds for one environment. */
export interface ManagedBlockInfo {
  file: string;
  exists: boolean;
  /** The options it was written with. */
  options?: SshConfigOptions;
  /** The bastion address it carries. */
  bastionHostName?: string;
}

/** Reads the environment's managed block from `file` (default ~/.ssh/config), if there is one. */
export async function inspectManagedBlock(
  env: string,
  file?: string,
  fs: ConfigFs = nodeConfigFs,
): Promise<ManagedBlockInfo> {
  const path = file ?? defaultSshConfigPath();
  const current = await readConfigFileState(await resolveSymlinks(path, fs), fs);
  const block = current ? extractManagedBlock(current.content, env, path) : undefined;
  if (!block) return { file: path, exists: false };
  const options = readBlockOptions(block);
  const alias = `${options?.hostPrefix ?? defaultHostPrefix(env)}bastion`;
  const bastionHostName = blockHostName(block, alias);
  return {
    file: path,
    exists: true,
    ...(options ? { options } : {}),
    ...(bastionHostName ? { bastionHostName } : {}),
  };
}

/**
 * Rewrites the environment's managed block in `file` with the options it was written with (after
 * the bastion's address changed). Does nothing, and says so, when the file has no such block.
 */
export async function refreshSshConfig(
  clients: DiscoveryClients,
  env: string,
  file?: string,
  overrides: Pick<SshConfigRequest, 'fs' | 'clock'> = {},
): Promise<SshConfigResult | undefined> {
  const info = await inspectManagedBlock(env, file, overrides.fs);
  if (!info.exists) return undefined;
  return generateSshConfig(clients, {
    env,
    options: info.options ?? {},
    write: true,
    dryRun: false,
    file: info.file,
    ...overrides,
  });
}

/** The network stack's output that names the optional EC2 Instance Connect Endpoint (templates/network.yml). */
export const INSTANCE_CONNECT_ENDPOINT_OUTPUT = 'InstanceConnectEndpointId';

/**
 * The environment's EC2 Instance Connect Endpoint, from the network stack's output. Without one,
 * `open-tunnel` has nothing to go through, so `--via eice` stops here with what to deploy.
 */
export async function findInstanceConnectEndpoint(
  clients: Pick<DiscoveryClients, 'cloudformation'>,
  env: string,
): Promise<string> {
  const name = stackName(env, 'network');
  const stack = await readStack(clients.cloudformation, name);
  const id = stack?.outputs[INSTANCE_CONNECT_ENDPOINT_OUTPUT];
  if (!id) {
    throw new OperationError(
      'EICE_MISSING',
      `Environment "${env}" has no EC2 Instance Connect Endpoint (${stack ? `stack ${name} has no output ${INSTANCE_CONNECT_ENDPOINT_OUTPUT}` : `stack ${name} does not exist`}).`,
      {
        suggestions: [
          `ecspoc deploy network cluster --env ${env} --parameter network.InstanceConnectEndpoint=enabled`,
        ],
      },
    );
  }
  return id;
}

/**
 * `aws ssm start-session` hands the session to session-manager-plugin; without it every ProxyCommand
 * of the block fails. The block is still written (the plugin may be installed next), with this said once.
 */
function pluginWarning(path: string | undefined): SshConfigWarning[] {
  const plugin = checkLocalTools(path).find((tool) => tool.name === 'session-manager-plugin')!;
  if (plugin.path) return [];
  return [
    {
      code: 'SSM_PLUGIN_MISSING',
      message: 'session-manager-plugin is not on PATH: ssh through these hosts fails until it is installed.',
      suggestion: plugin.install,
    },
  ];
}

function warningsFor(
  options: SshConfigOptions,
  bastion: BastionStatus,
  clusterName: string,
  clusterFound: boolean,
  skipped: SkippedInstance[],
): SshConfigWarning[] {
  const warnings: SshConfigWarning[] = [];
  const env = bastion.env;
  if (options.via !== undefined && options.via !== 'bastion') {
    // Session Manager and the endpoint need no bastion: its state is no concern of this block.
  } else if (bastion.state === 'missing') {
    warnings.push({
      code: 'BASTION_MISSING',
      message: `Environment "${env}" has no bastion (${bastion.missingReason}); the instance entries cannot be reached until it exists.`,
      suggestion: deployBastionHint(env),
    });
  } else if (options.bastionOnDemand) {
    // ecspoc bastion proxy starts it when ssh needs it.
  } else if (bastion.state !== 'running' && bastion.state !== 'pending') {
    warnings.push({
      code: 'BASTION_STOPPED',
      message: `The bastion ${bastion.instanceId} is ${bastion.state}${bastion.publicIp ? '' : ' and has no public address'}; start it, then run ecspoc ssh-config again.`,
      suggestion: startBastionHint(env),
    });
  } else if (!bastion.publicIp && !bastion.publicDnsName) {
    warnings.push({
      code: 'BASTION_NO_ADDRESS',
      message: `The bastion ${bastion.instanceId} is ${bastion.state} but has no public address yet.`,
      suggestion: `ecspoc bastion status --env ${env}`,
    });
  }
  if (!clusterFound) {
    warnings.push({
      code: 'CLUSTER_MISSING',
      message: `Cluster ${clusterName} does not exist: no container instance entries.`,
      suggestion: `ecspoc deploy cluster --env ${env}`,
    });
  }
  if (skipped.length > 0) {
    warnings.push({
      code: 'INSTANCES_LEFT_OUT',
      message: `${skipped.length} container instance(s) left out, not running or without a private address: ${summariseSkipped(skipped)}.`,
    });
  }
  return warnings;
}
