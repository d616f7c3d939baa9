#!/usr/bin/env node
// The main job on a local emulator: starts moto_server on 127.0.0.1, deploys the whole bundle into
// it with ecspoc, shows the environment's status and that a second deploy has nothing to do, and
// stops the server by its pid however the demo ends (success, failure or Ctrl-C).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { motoAvailable, startMoto, keepTasksRunning } from './moto.js';

// The demo loads the AWS SDK itself (to play the ECS agent): no Node-version warning for it either.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const env = process.env.DEMO_ENV ?? 'demo';

if (!motoAvailable()) {
  console.error('Error: moto_server is not on PATH.\nTry: pip install "moto[server]"');
  process.exit(1);
}

// Services report their desired two tasks running (moto launches no task itself).
const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: '2' });
await keepTasksRunning(moto.endpoint);
let stopping = false;
const stop = async (code) => {
  if (stopping) return;
  stopping = true;
  await moto.stop();
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(130));

const childEnv = {
  ...process.env,
  AWS_ENDPOINT_URL: moto.endpoint,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  ECSPOC_ENV: env,
};

/** Runs one ecspoc command, echoing it first; rejects on a non-zero exit. */
function ecspoc(...args) {
  console.error(`\n$ ecspoc ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: childEnv,
      stdio: ['inherit', 'inherit', 'inherit'],
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ecspoc ${args[0]} exited with ${code}`)),
    );
  });
}

/**
 * Plays the ECS agent, as the test rig does: on AWS every container instance's agent registers it
 * with the cluster; in moto nothing does, so each instance of the cluster's Auto Scaling group is
 * registered here.
 */
async function registerContainerInstances() {
  const [{ CloudFormationClient, DescribeStacksCommand }, autoscaling, ecs] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-auto-scaling'),
    import('@aws-sdk/client-ecs'),
  ]);
  const config = {
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const cfn = new CloudFormationClient(config);
  const asg = new autoscaling.AutoScalingClient(config);
  const ecsClient = new ecs.ECSClient(config);
  try {
    const stack = await cfn.send(new DescribeStacksCommand({ StackName: `ecspoc-${env}-cluster` }));
    const outputs = Object.fromEntries(
      (stack.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]),
    );
    const groups = await asg.send(
      new autoscaling.DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: [outputs.AutoScalingGroupName],
      }),
    );
    const instances = groups.AutoScalingGroups?.[0]?.Instances ?? [];
    for (const instance of instances) {
      await ecsClient.send(
        new ecs.RegisterContainerInstanceCommand({
          cluster: outputs.ClusterName,
          instanceIdentityDocument: JSON.stringify({ instanceId: instance.InstanceId, region: 'us-east-1' }),
          totalResources: [
            { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
            { name: 'MEMORY', type: 'INTEGER', integerValue: 3904 },
          ],
        }),
      );
    }
    console.error(
      `\n(demo) played the ECS agent: registered ${instances.length} instance(s) with ${outputs.ClusterName}`,
    );
  } finally {
    cfn.destroy();
    asg.destroy();
    ecsClient.destroy();
  }
}

console.error(`moto_server listening on ${moto.endpoint} (pid ${moto.pid}); environment "${env}"`);
try {
  await ecspoc('doctor');
  // The bastion admits SSH from one address only; a real deploy gives the operator's own /32.
  await ecspoc('deploy', '--yes', '--parameter', 'SshCidr=127.0.0.1/32');
  await registerContainerInstances();
  await ecspoc('status');
  await ecspoc('diff');
  console.error('\nDemo finished.');
  await stop(0);
} catch (error) {
  console.error(`\nDemo failed: ${error.message}`);
  await stop(1);
}
