import { afterEach, describe, expect, it } from '@jest/globals';

// jest's ESM loader can lose a module that several import() calls of one Promise.all load at once
// ("not in cache"): the modules the drain flow loads lazily are loaded here first.
import '../../../src/flows/drain.js';
import '../../../src/lib/instances/clients.js';
import '../../../src/lib/instances/drain.js';
import '../../../src/lib/instances/fleet.js';
import '../../../src/lib/time/clock.js';
import { sessionRunner } from '../../../src/flows/session-runner.js';
import { AwsClients } from '../../../src/lib/aws/clients.js';
import type { Settings } from '../../../src/lib/config/index.js';
import { AbortedError } from '../../../src/lib/errors.js';
import type { Prompts } from '../../../src/ui/prompt.js';
import { FAKE_REGION, resetSdkMocks } from '../helpers/mock-sdk.js';
import { FakeWorld } from '../lib/instances/fake-cluster.js';

const settings = (env: string): Settings => ({
  env,
  envSource: 'flag',
  configFiles: [],
  environment: {},
  logs: {},
});

/** Prompts that record every picker and back out of it, as Enter with nothing ticked does in a session. */
function backingOut() {
  const offered: Array<{ message: string; choices: string[]; hint: string }> = [];
  const prompts: Prompts = {
    pickOne: async () => {
      throw new Error('the runner asks no single-choice question');
    },
    pickMany: async (message, choices, hint) => {
      offered.push({ message, choices: choices.map((c) => String(c.value)), hint });
      throw new AbortedError('Nothing chosen: nothing was changed.');
    },
    confirm: async () => {
      throw new Error('nothing is confirmed after backing out');
    },
  };
  return { prompts, offered };
}

// The runner calls the commands' own flows: the drain flow reads the fleet through the shared SDK mocks.
describe('the session runner', () => {
  const aws = new AwsClients({ region: FAKE_REGION });
  const runner = sessionRunner({
    aws,
    region: FAKE_REGION,
    settingsFor: async (env) =>
      env === 'payments' ? { ...settings(env), adopt: { cluster: 'payments-prod' } } : settings(env),
    adopted: async () => [{ env: 'payments', cluster: 'payments-prod' }],
  });
  afterEach(() => resetSdkMocks());

  it('"drain" offers the ACTIVE instances of the environment through the session\'s picker; backing out changes nothing', async () => {
    const world = new FakeWorld({ instances: 2 });
    const { prompts, offered } = backingOut();
    await expect(runner.run('instances:drain', 'dev', prompts)).rejects.toBeInstanceOf(AbortedError);
    expect(offered).toEqual([
      {
        message: 'Instances to drain',
        choices: [...world.instances.keys()].sort(),
        hint: 'Name them: ecspoc instances drain i-0abc123 --env dev',
      },
    ]);
    expect(world.changes()).toEqual([]);
  });

  it('"deploy" asks for the components first, naming the argument that picks them', async () => {
    const world = new FakeWorld({ instances: 1 });
    const { prompts, offered } = backingOut();
    await expect(runner.run('deploy', 'dev', prompts)).rejects.toBeInstanceOf(AbortedError);
    expect(offered).toHaveLength(1);
    expect(offered[0].message).toBe('Components of dev to deploy (with what they depend on)');
    expect(offered[0].choices).toEqual(expect.arrayContaining(['network', 'cluster', 'bastion']));
    expect(offered[0].hint).toBe('Name them: ecspoc deploy network cluster --env dev');
    expect(world.calls).toEqual([]);
  });

  it.each(['bastion:start', 'bastion:stop', 'deploy'] as const)(
    'refuses %s for an environment that adopts a cluster, before any AWS call',
    async (action) => {
      const world = new FakeWorld({ instances: 1 });
      const { prompts, offered } = backingOut();
      await expect(runner.run(action, 'payments', prompts)).rejects.toMatchObject({
        code: 'NOT_FOR_ADOPTED_CLUSTER',
        message: expect.stringContaining('adopts cluster payments-prod'),
      });
      expect(offered).toEqual([]);
      expect(world.calls).toEqual([]);
    },
  );
});
