import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeAutoScalingGroupsCommand, AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  waitUntilInstanceStopped,
} from '@aws-sdk/client-ec2';
import { ECSClient, RegisterContainerInstanceCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { deployBundle, type DeployedBundle, TEST_SSH_CIDR } from './helpers/bundle.js';
import { spawn } from 'node:child_process';

import { BIN, cliEnv, collect, ROOT, runCli, TEST_HOME } from './helpers/cli.js';
import { clientConfig } from './helpers/env.js';
import { sshG } from './helpers/ssh.js';

/**
 * ssh-config and bastion commands against moto, on an environment deployed from the real bundle
 * (network, bastion, load-balancer, cluster). The harness plays the ECS agent: it registers the
 * cluster's Auto Scaling instances, and two more instances launched by hand, as container instances.
 */
const ENV = 'sshcfg';
const config = clientConfig();
const ec2 = new EC2Client(config);
const ecs = new ECSClient(config);
const autoscaling = new AutoScalingClient(config);
const cfn = new CloudFormationClient(config);

let bundle: DeployedBundle;
/** Running container instances: EC2 instance id → private address. */
const running = new Map<string, string>();
let stoppedInstanceId: string;
const work = mkdtempSync(join(tmpdir(), 'ecspoc-ssh-e2e-'));
const userConfig = join(TEST_HOME, '.ssh', 'config');

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so it prompts as it would for a person,
 * and types `answer` once the question appears.
 */
function runInTerminal(args: string[], answer: string, question: RegExp) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], {
    cwd: TEST_HOME,
    env: { ...cliEnv(), TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let seen = '';
  let answered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    if (!answered && question.test(seen)) {
      answered = true;
      child.stdin.write(answer);
      setTimeout(() => child.stdin.write('\r'), 100);
    }
  });
  return collect(child, 60_000);
}

async function describeInstance(id: string) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0].Instances![0];
}

beforeAll(async () => {
  bundle = await deployBundle(ENV, { select: ['cluster'] });
  const clusterName = bundle.outputs.cluster!.ClusterName;
  const group = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({
      AutoScalingGroupNames: [bundle.outputs.cluster!.AutoScalingGroupName],
    }),
  );
  const asgIds = group.AutoScalingGroups![0].Instances!.map((i) => i.InstanceId!);
  const launched = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: 2,
      MaxCount: 2,
      InstanceType: 't3.small',
      SubnetId: bundle.outputs.network!.PrivateSubnetIds.split(',')[1],
    }),
  );
  const ids = [...asgIds, ...launched.Instances!.map((i) => i.InstanceId!)];
  for (const instanceId of ids) {
    await ecs.send(
      new RegisterContainerInstanceCommand({
        cluster: clusterName,
        instanceIdentityDocument: JSON.stringify({ instanceId }),
      }),
    );
  }
  stoppedInstanceId = ids[ids.length - 1];
  await ec2.send(new StopInstancesCommand({ InstanceIds: [stoppedInstanceId] }));
  await waitUntilInstanceStopped(
    { client: ec2, maxWaitTime: 30, minDelay: 1 },
    { InstanceIds: [stoppedInstanceId] },
  );
  for (const id of ids.slice(0, -1)) running.set(id, (await describeInstance(id)).PrivateIpAddress!);
  expect(running.size).toBeGreaterThanOrEqual(3);
});

afterAll(() => {
  ec2.destroy();
  ecs.destroy();
  autoscaling.destroy();
  cfn.destroy();
  rmSync(work, { recursive: true, force: true });
});

async function bastionAddress(): Promise<string | undefined> {
  return (await describeInstance(bundle.outputs.bastion!.BastionInstanceId)).PublicIpAddress;
}

describe('ecspoc ssh-config against a deployed environment', () => {
  it('prints a block whose every host resolves with ssh -G to the right address, user, key and proxy', async () => {
    const address = await bastionAddress();
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const result = await runCli([
      'ssh-config',
      '--env',
      ENV,
      '--identity-file',
      '~/.ssh/sshcfg.pem',
      '--bastion-identity-file',
      '~/.ssh/jump.pem',
      '--bastion-user',
      'ops',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(`# BEGIN ecspoc ${ENV}\n`)).toBe(true);
    // The stopped instance is left out and counted.
    expect(result.stderr).toContain('1 container instance(s) left out');
    expect(result.stderr).toContain('1 stopped');
    expect(result.stdout).not.toContain(stoppedInstanceId);

    const file = join(work, 'printed');
    writeFileSync(file, result.stdout);
    const bastion = sshG(file, `ecspoc-${ENV}-bastion`);
    expect(bastion.hostname).toEqual([address]);
    expect(bastion.user).toEqual(['ops']);
    expect(bastion.identityfile).toEqual(['~/.ssh/jump.pem']);
    expect(bastion.proxycommand).toBeUndefined();
    for (const [instanceId, privateIp] of running) {
      const host = sshG(file, `ecspoc-${ENV}-${instanceId}`);
      expect(host.hostname).toEqual([privateIp]);
      expect(host.user).toEqual(['ec2-user']);
      expect(host.identityfile).toEqual(['~/.ssh/sshcfg.pem']);
      expect(host.proxycommand).toEqual([`ssh -W %h:%p ecspoc-${ENV}-bastion`]);
      expect(host.hostkeyalias).toEqual([`ecspoc-${ENV}-${instanceId}`]);
    }
  });

  it('merges into an existing file: the rest kept byte for byte, ProxyJump, a second run writes nothing', async () => {
    const file = join(work, 'merged', 'config');
    mkdirSync(join(work, 'merged'));
    const existing = '# mine — ünïcødé\r\nInclude ~/.ssh/config.d/*\r\n\r\nHost github.com\r\n  User git\r\n';
    writeFileSync(file, existing, { mode: 0o644 });
    const args = [
      'ssh-config',
      '--env',
      ENV,
      '--write',
      '--file',
      file,
      '--proxy',
      'jump',
      '--host-prefix',
      'sc-',
    ];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`to ${file} (previous file: ${file}.ecspoc.bak)`);
    const written = readFileSync(file);
    const text = written.toString('utf8');
    expect(
      text.startsWith('# mine — ünïcødé\r\nInclude ~/.ssh/config.d/*\r\n\r\n# BEGIN ecspoc sshcfg\r\n'),
    ).toBe(true);
    expect(text.endsWith('# END ecspoc sshcfg\r\n\r\nHost github.com\r\n  User git\r\n')).toBe(true);
    expect(readFileSync(`${file}.ecspoc.bak`, 'utf8')).toBe(existing);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    for (const [instanceId, privateIp] of running) {
      const host = sshG(file, `sc-${instanceId}`);
      expect(host.hostname).toEqual([privateIp]);
      expect(host.proxyjump).toEqual(['sc-bastion']);
    }
    expect(sshG(file, 'github.com').user).toEqual(['git']);

    const { mtimeMs } = statSync(file);
    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('is up to date');
    expect(readFileSync(file).equals(written)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);

    const dry = await runCli([
      'ssh-config',
      '--env',
      ENV,
      '--dry-run',
      '--file',
      file,
      '--host-prefix',
      'sc-',
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`--- ${file}\n+++ ${file}\n`);
    expect(dry.stdout).toContain('-  ProxyJump sc-bastion\n+  ProxyCommand ssh -F');
    expect(readFileSync(file).equals(written)).toBe(true);
  });

  it('creates ~/.ssh/config with mode 0600 and reports the result as JSON, in at most 8 API calls', async () => {
    const result = await runCli(['ssh-config', '--env', ENV, '--write', '--json', '--debug']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      env: ENV,
      written: true,
      changed: true,
      target: userConfig,
      clusterFound: true,
    });
    expect(report.hosts).toHaveLength(running.size + 1);
    expect(report.skipped).toEqual([
      expect.objectContaining({ instanceId: stoppedInstanceId, reason: 'stopped' }),
    ]);
    expect(statSync(userConfig).mode & 0o777).toBe(0o600);
    expect(statSync(join(TEST_HOME, '.ssh')).mode & 0o777).toBe(0o700);
    // ~/.ssh/config needs no -F in ProxyCommand.
    expect(readFileSync(userConfig, 'utf8')).toContain(`ProxyCommand ssh -W %h:%p ecspoc-${ENV}-bastion\n`);
    const line = result.stderr.split('\n').find((l) => l.startsWith('ecspoc: api-calls '))!;
    const calls = JSON.parse(line.slice('ecspoc: api-calls '.length));
    expect(calls.total.operations).toBeLessThanOrEqual(8);
  });

  it('bastion status shows state, addresses, type and uptime', async () => {
    const result = await runCli(['bastion', 'status', '--env', ENV, '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({
      state: 'running',
      instanceId: bundle.outputs.bastion!.BastionInstanceId,
      publicIp: await bastionAddress(),
      privateIp: expect.stringMatching(/^10\.0\./),
      instanceType: 't3.micro',
      stackName: `ecspoc-${ENV}-bastion`,
    });
    expect(status.uptimeSeconds).toEqual(expect.any(Number));
    const human = await runCli(['bastion', 'status', '--env', ENV]);
    expect(human.stdout).toMatch(/^state +running$/m);
    expect(human.stdout).toMatch(/^uptime +\S+/m);
  });

  it('bastion stop needs --yes without a terminal, then stops; ssh-config still writes the instances', async () => {
    const refused = await runCli(['bastion', 'stop', '--env', ENV]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Refusing to stop the bastion of "sshcfg" without confirmation');
    expect((await describeInstance(bundle.outputs.bastion!.BastionInstanceId)).State!.Name).toBe('running');

    const declined = await runInTerminal(
      ['bastion', 'stop', '--env', ENV],
      'n',
      /Stop the bastion i-\w+ of "sshcfg"\?/,
    );
    expect(declined.code).toBe(4);
    expect(declined.stdout).toContain('Aborted: nothing was changed.');
    expect((await describeInstance(bundle.outputs.bastion!.BastionInstanceId)).State!.Name).toBe('running');

    const stopped = await runCli(['bastion', 'stop', '--env', ENV, '--yes']);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain(': stopped');
    expect((await describeInstance(bundle.outputs.bastion!.BastionInstanceId)).State!.Name).toBe('stopped');

    const status = JSON.parse((await runCli(['bastion', 'status', '--env', ENV, '--json'])).stdout);
    expect(status.state).toBe('stopped');
    expect(status.publicIp).toBeUndefined();

    const printed = await runCli(['ssh-config', '--env', ENV]);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toContain('is stopped and has no public address');
    expect(printed.stderr).toContain(`Try: ecspoc bastion start --env ${ENV}`);
    const file = join(work, 'stopped');
    writeFileSync(file, printed.stdout);
    for (const [instanceId, privateIp] of running)
      expect(sshG(file, `ecspoc-${ENV}-${instanceId}`).hostname).toEqual([privateIp]);
  });

  it('bastion start prints the new public address; the refreshed config carries it', async () => {
    const before = readFileSync(userConfig, 'utf8');
    const oldAddress = sshG(userConfig, `ecspoc-${ENV}-bastion`).hostname[0];

    const started = await runCli(['bastion', 'start', '--env', ENV]);
    expect(started.code).toBe(0);
    const newAddress = await bastionAddress();
    expect(newAddress).toBeDefined();
    expect(newAddress).not.toBe(oldAddress);
    expect(started.stdout).toMatch(new RegExp(`^public +${newAddress!.replace(/\./g, '\\.')}\\b`, 'm'));
    expect(started.stderr).toContain('status checks ok');
    // No terminal to ask on: the file is left alone and the command that refreshes it is printed.
    expect(started.stderr).toContain(
      `still names the old bastion address. Refresh it: ecspoc ssh-config --write --env ${ENV}`,
    );
    expect(readFileSync(userConfig, 'utf8')).toBe(before);

    // On a terminal it asks; "no" leaves the file alone.
    const declined = await runInTerminal(
      ['bastion', 'start', '--env', ENV],
      'n',
      /Refresh the "sshcfg" block of/,
    );
    expect(declined.code).toBe(0);
    expect(declined.stdout).toContain('still names the old bastion address');
    expect(readFileSync(userConfig, 'utf8')).toBe(before);

    const refreshed = await runCli(['bastion', 'start', '--env', ENV, '--refresh-ssh-config']);
    expect(refreshed.code).toBe(0);
    expect(refreshed.stderr).toContain(`to ${userConfig}`);
    expect(sshG(userConfig, `ecspoc-${ENV}-bastion`).hostname).toEqual([newAddress]);
    for (const [instanceId] of running)
      expect(sshG(userConfig, `ecspoc-${ENV}-${instanceId}`).proxycommand).toEqual([
        `ssh -W %h:%p ecspoc-${ENV}-bastion`,
      ]);
  });

  it('--via ssm: a host per running instance, resolved by ssh -G, with the ProxyCommand aimed at its instance id', async () => {
    const result = await runCli(['ssh-config', '--env', ENV, '--via', 'ssm', '--region', 'us-east-1']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(`Host ecspoc-${ENV}-bastion`);
    const file = join(work, 'ssm');
    writeFileSync(file, result.stdout);
    for (const [instanceId, privateIp] of running) {
      const host = sshG(file, `ecspoc-${ENV}-${instanceId}`);
      expect(host.hostname).toEqual([privateIp]);
      expect(host.proxycommand?.[0]).toMatch(
        new RegExp(
          `^aws ssm start-session --target ${instanceId} --document-name AWS-StartSSHSession --parameters portNumber=%p --region us-east-1`,
        ),
      );
    }
  });

  it('--via eice without an endpoint in the environment: one line naming what to deploy, exit 1', async () => {
    const result = await runCli(['ssh-config', '--env', ENV, '--via', 'eice']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Environment "${ENV}" has no EC2 Instance Connect Endpoint`);
    expect(result.stderr).toContain('network.InstanceConnectEndpoint=enabled');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['ssh-config', '--env', ENV, '--via', 'vpn']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--via must be bastion, ssm or eice, not "vpn"');
  });

  it('--bastion-on-demand writes the bastion proxy ProxyCommand; bastion proxy starts a stopped bastion and runs ssh -W through its new address', async () => {
    const printed = await runCli([
      'ssh-config',
      '--env',
      ENV,
      '--bastion-on-demand',
      '--bastion-user',
      'ops',
    ]);
    expect(printed.code).toBe(0);
    const file = join(work, 'on-demand');
    writeFileSync(file, printed.stdout);
    for (const [instanceId] of running) {
      const host = sshG(file, `ecspoc-${ENV}-${instanceId}`);
      expect(host.proxycommand?.[0]).toMatch(
        new RegExp(`^ecspoc bastion proxy --env ${ENV} .*--user ops %h %p$`),
      );
    }

    const stopped = await runCli(['bastion', 'stop', '--env', ENV, '--yes']);
    expect(stopped.code).toBe(0);
    const before = await bastionAddress();
    // A stand-in ssh on PATH records its arguments, as the real one would receive them.
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    const record = join(work, 'ssh-argv');
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}'\nexit 3\n`, {
      mode: 0o755,
    });
    const proxied = await runCli(['bastion', 'proxy', '--env', ENV, '--user', 'ops', '10.0.16.9', '22'], {
      env: { PATH: `${bin}:${process.env.PATH}` },
      timeoutMs: 180_000,
    });
    expect(proxied.stdout).toBe('');
    expect(proxied.stderr).toContain('started: tunnelling through');
    expect(proxied.code).toBe(3);
    const instance = await describeInstance(bundle.outputs.bastion!.BastionInstanceId);
    expect(instance.State!.Name).toBe('running');
    const argv = readFileSync(record, 'utf8').trim().split('\n');
    expect(argv.slice(0, 4)).toEqual(['-W', '10.0.16.9:22', '-l', 'ops']);
    expect(argv.at(-1)).toBe(instance.PublicIpAddress);
    expect(argv.at(-1)).not.toBe(before);
  }, 240_000);

  it('deploy with network.InstanceConnectEndpoint=enabled and bastion.IdleStopMinutes=30: an idle-stop alarm whose action stops the bastion; --via eice tunnels through the endpoint', async () => {
    const deployed = await runCli(
      [
        'deploy',
        'network',
        'bastion',
        '--env',
        ENV,
        '--parameter',
        'network.InstanceConnectEndpoint=enabled',
        '--parameter',
        'bastion.IdleStopMinutes=30',
        '--parameter',
        `bastion.SshCidr=${TEST_SSH_CIDR}`,
        '--yes',
      ],
      { timeoutMs: 120_000 },
    );
    expect(deployed.code).toBe(0);
    const bastionId = bundle.outputs.bastion!.BastionInstanceId;

    // The project has no CloudWatch client: the test asks CloudWatch's Query API itself (moto does not
    // check signatures, only the service the credential scope names).
    const alarmName = `ecspoc-${ENV}-bastion-idle-stop`;
    const answer = await fetch(config.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({
        Action: 'DescribeAlarms',
        Version: '2010-08-01',
        'AlarmNames.member.1': alarmName,
      }),
    });
    const xml = await answer.text();
    const field = (name: string) =>
      [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]);
    expect(field('AlarmName')).toEqual([alarmName]);
    expect(xml).toContain(
      '<AlarmActions><member>arn:aws:automate:us-east-1:ec2:stop</member></AlarmActions>',
    );
    expect(field('MetricName')).toEqual(['NetworkPacketsIn']);
    expect(field('Value')).toEqual([bastionId]);
    // 30 minutes of 5-minute data points.
    expect(field('Period')).toEqual(['300']);
    expect(field('EvaluationPeriods')).toEqual(['6']);

    // As CloudWatch sets it once the bastion was idle for the whole window (and runs the stop action).
    const cloudwatch = new CloudWatchClient(clientConfig());
    try {
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'idle (e2e)' }),
      );
    } finally {
      cloudwatch.destroy();
    }
    const status = await runCli(['bastion', 'status', '--env', ENV, '--json']);
    expect(JSON.parse(status.stdout).idleStop).toEqual({
      minutes: 30,
      alarmName,
      alarm: { state: 'ALARM', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    const human = await runCli(['bastion', 'status', '--env', ENV]);
    expect(human.stdout).toMatch(
      new RegExp(
        `parking      idle stop after 30 min without SSH traffic \\(alarm ${alarmName}: ALARM since \\S+, idle for the whole window, so its stop action has run\\)\n`,
      ),
    );

    const endpointId = (
      await cfn.send(new DescribeStacksCommand({ StackName: `ecspoc-${ENV}-network` }))
    ).Stacks![0].Outputs!.find((o) => o.OutputKey === 'InstanceConnectEndpointId')!.OutputValue!;
    expect(endpointId).toMatch(/^eice-[0-9a-f]{17}$/);
    const result = await runCli(['ssh-config', '--env', ENV, '--via', 'eice', '--region', 'us-east-1']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(`Host ecspoc-${ENV}-bastion`);
    const file = join(work, 'eice');
    writeFileSync(file, result.stdout);
    for (const [instanceId, privateIp] of running) {
      const host = sshG(file, `ecspoc-${ENV}-${instanceId}`);
      expect(host.hostname).toEqual([privateIp]);
      // The endpoint URL in use follows (--endpoint-url): the tunnel goes where the CLI went.
      const tunnel = `aws ec2-instance-connect open-tunnel --instance-id ${instanceId} --instance-connect-endpoint-id ${endpointId} --remote-port %p --region us-east-1`;
      expect(host.proxycommand).toHaveLength(1);
      expect(host.proxycommand![0]!.slice(0, tunnel.length)).toBe(tunnel);
    }
    expect(result.stdout).not.toContain(stoppedInstanceId);
  }, 180_000);

  it('an environment without a bastion: status says missing, start names the deploy command', async () => {
    const status = await runCli(['bastion', 'status', '--env', 'nobastion', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: 'missing',
      missingReason: 'stack ecspoc-nobastion-bastion does not exist',
    });
    const start = await runCli(['bastion', 'start', '--env', 'nobastion']);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(
      'Error: Environment "nobastion" has no bastion: stack ecspoc-nobastion-bastion does not exist.\nTry: ecspoc deploy bastion --env nobastion\n',
    );
    const ssh = await runCli(['ssh-config', '--env', 'nobastion']);
    expect(ssh.code).toBe(1);
    expect(ssh.stderr).toContain('Environment "nobastion" has nothing to reach over SSH: no bastion');
    expect(ssh.stderr).toContain('Try: ecspoc deploy --env nobastion');
  });

  it('--write --file under /proc fails at once with exit code 2 and what to do (no 100 % CPU spin)', async () => {
    // recursive mkdir retries forever under /proc: a short kill timeout makes a hang a failure
    const result = await runCli(
      ['ssh-config', '--env', ENV, '--write', '--file', '/proc/ecspoc-e2e/config'],
      {
        timeoutMs: 30_000,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'Error: Cannot create the directory /proc/ecspoc-e2e for /proc/ecspoc-e2e/config: the file system there does not take new directories.',
    );
    expect(result.stderr).toContain('Give --file a path in a directory you can write');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('refuses bad flags with one line and exit code 2, before any AWS call', async () => {
    const result = await runCli(['ssh-config', '--env', ENV, '--host-prefix', 'a*b', '--debug']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      'Error: --host-prefix "a*b" may hold only letters, digits, ".", "_" and "-" (ssh reads other characters as patterns).',
    );
    expect(result.stderr).toContain('ecspoc: api-calls {"total":{"operations":0');
  });
});

describe('start-up of the ssh-config and bastion commands', () => {
  it.each(['ssh-config', 'bastion status', 'bastion start', 'bastion stop'])(
    '%s --help loads no AWS SDK, listr2 or prompt code',
    (line) => {
      const command = line.split(' ');
      const record = join(work, `imports-${command.join('-')}.txt`);
      const result = spawnSync(
        process.execPath,
        ['--import', join(ROOT, 'test/e2e/helpers/record-imports.mjs'), BIN, ...command, '--help'],
        { env: { PATH: process.env.PATH, HOME: tmpdir(), ECSPOC_RECORD_IMPORTS: record }, encoding: 'utf8' },
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('USAGE');
      const modules = readFileSync(record, 'utf8').trim().split('\n');
      expect(modules.filter((url) => /@aws-sdk|@smithy|listr2|@inquirer|ssh-config/.test(url))).toEqual([]);
    },
  );
});
