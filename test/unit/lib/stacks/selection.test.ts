import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { loadDeployInput, offlinePlan, parseParameterFlags } from '../../../../src/lib/stacks/selection.js';

describe('parseParameterFlags', () => {
  it('splits shared keys from component.Key and keeps = and , inside values', () => {
    expect(
      parseParameterFlags(['InstanceType=t3.large', 'service-404.PathPatterns=/a,/b=c', 'KeyName=']),
    ).toEqual({
      global: { InstanceType: 't3.large', KeyName: '' },
      components: { 'service-404': { PathPatterns: '/a,/b=c' } },
    });
  });

  it('rejects what is not Key=Value', () => {
    for (const bad of ['InstanceType', '=x', 'a b=c', 'Bad.Key.Name=x']) {
      expect(() => parseParameterFlags([bad])).toThrow(UsageError);
    }
  });
});

describe('loadDeployInput', () => {
  it('selects a component with its dependencies', async () => {
    const input = await loadDeployInput('dev', {}, ['bastion'], []);
    expect(input.components.map((c) => c.name)).toEqual(['network', 'bastion']);
  });

  it('rejects a --parameter no selected stack declares, listing the ones they do', async () => {
    const failure = loadDeployInput('dev', {}, ['network'], ['SshCidr=1.2.3.4/32']);
    await expect(failure).rejects.toThrow('no stack of this deploy (network) declares it');
    await expect(failure).rejects.toMatchObject({ suggestions: [expect.stringContaining('VpcCidr')] });
  });

  it('rejects a key no template declares and a component that does not exist', async () => {
    await expect(loadDeployInput('dev', {}, [], ['Bogus=1'])).rejects.toMatchObject({
      code: 'UNKNOWN_PARAMETER',
    });
    await expect(loadDeployInput('dev', {}, [], ['nope.Key=1'])).rejects.toMatchObject({
      code: 'UNKNOWN_COMPONENT',
    });
  });
});

describe('offlinePlan', () => {
  it('orders stacks in layers and shows outputs and owed parameters as placeholders', async () => {
    const plan = offlinePlan(await loadDeployInput('dev', {}, ['bastion'], []));
    expect(plan.layers).toEqual([['network'], ['bastion']]);
    const bastion = plan.stacks[1];
    expect(bastion.dependsOn).toEqual(['network']);
    expect(bastion.parameters).toContainEqual({
      key: 'VpcId',
      value: '<network.VpcId>',
      origin: 'pending',
      from: 'network.VpcId',
    });
    expect(bastion.parameters).toContainEqual({ key: 'SshCidr', value: '<required>', origin: 'required' });
    expect(bastion.parameters).toContainEqual({ key: 'EnvName', value: 'dev', origin: 'identity' });
  });
});
