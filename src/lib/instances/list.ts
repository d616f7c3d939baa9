import type { AdoptRequest } from '../clusters/target.js';
import type { InstanceClients } from './clients.js';
import { CYCLE_TAG, describeFleet, type FleetInstance, type LaunchTarget } from './fleet.js';
import { type CycleState, decodeCycleState } from './state.js';

/** What `instances list` returns (its `--json`). */
export interface InstanceList {
  env: string;
  cluster: string;
  autoScalingGroup?: {
    name: string;
    desired: number;
    min: number;
    max: number;
    /** Set while a cycle is unfinished: what it will restore. */
    cycle?: CycleState;
  };
  /** An adopted cluster: every Auto Scaling group its instances come from. */
  autoScalingGroups?: string[];
  launchTemplate?: LaunchTarget;
  /** The AMI published now under the SSM parameter the cluster stack resolved, when it changed since the stack's last deploy. */
  newerImage?: { parameter: string; imageId: string; deployedImageId: string };
  instances: FleetInstance[];
}

/** Every container instance of the environment (and group instances not registered yet), optionally only outdated ones. */
export async function listInstances(
  clients: InstanceClients,
  options: { env: string; outdatedOnly: boolean; adopt?: AdoptRequest },
): Promise<InstanceList> {
  const fleet = await describeFleet(clients, options.env, options.adopt);
  const group = fleet.group;
  return {
    env: options.env,
    cluster: fleet.refs.clusterName,
    autoScalingGroup: group && {
      name: group.name,
      desired: group.desired,
      min: group.min,
      max: group.max,
      cycle: decodeCycleState(group.tags[CYCLE_TAG]),
    },
    ...(fleet.refs.adopted ? { autoScalingGroups: fleet.refs.adopted.groups } : {}),
    launchTemplate: fleet.target,
    newerImage: fleet.newerImage,
    instances: options.outdatedOnly ? fleet.instances.filter((i) => i.outdated) : fleet.instances,
  };
}
