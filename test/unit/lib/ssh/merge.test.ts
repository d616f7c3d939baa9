import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { SshInventory } from '../../../../src/lib/ssh/discover.js';
import { buildManagedBlock, normaliseOptions } from '../../../../src/lib/ssh/hosts.js';
import {
  detectEol,
  extractManagedBlock,
  findManagedBlocks,
  mergeManagedBlock,
} from '../../../../src/lib/ssh/merge.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/ssh');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

function inventory(env: string, bastionIp = '203.0.113.50'): SshInventory {
  return {
    env,
    bastion: {
      env,
      stackName: `ecspoc-${env}-bastion`,
      state: 'running',
      instanceId: 'i-0b0000000000000b1',
      publicIp: bastionIp,
      privateIp: '10.0.0.4',
    },
    clusterName: `ecspoc-${env}`,
    clusterFound: true,
    instances: [
      {
        instanceId: 'i-0a0000000000000a1',
        privateIp: '10.0.16.5',
        containerInstanceArn: 'arn:1',
        status: 'ACTIVE',
      },
      {
        instanceId: 'i-0a0000000000000a2',
        privateIp: '10.0.32.6',
        containerInstanceArn: 'arn:2',
        status: 'DRAINING',
      },
    ],
    skipped: [],
  };
}

function block(env = 'dev', bastionIp?: string): string {
  return buildManagedBlock(
    inventory(env, bastionIp),
    normaliseOptions(env, { identityFile: '~/.ssh/dev.pem' }),
  ).text;
}

/**
 * Asserts that every byte of `before` outside the environment's managed block is in `after`,
 * unchanged and in order: `after` minus its block equals `before` minus its old block, except for
 * the line breaks that separate the block from its neighbours.
 */
function expectOnlyBlockChanged(before: Buffer, after: Buffer, env: string): void {
  const span = findManagedBlocks(after, 'after').find((s) => s.env === env);
  expect(span).toBeDefined();
  const old = findManagedBlocks(before, 'before').find((s) => s.env === env);
  const rest = old ? Buffer.concat([before.subarray(0, old.start), before.subarray(old.end)]) : before;
  const left = after.subarray(0, span!.start).toString('latin1');
  const right = after.subarray(span!.end).toString('latin1');
  const leftKept = left.replace(/[\r\n]*$/, '');
  const rightKept = right.replace(/^[\r\n]*/, '');
  const original = rest.toString('latin1');
  expect(original.startsWith(leftKept)).toBe(true);
  expect(original.endsWith(rightKept)).toBe(true);
  const between = original.slice(leftKept.length, original.length - rightKept.length);
  expect(original.length).toBeGreaterThanOrEqual(leftKept.length + rightKept.length);
  // Only line breaks sit where the block went, and none of them was dropped.
  expect(between).toMatch(/^[\r\n]*$/);
  expect(left.length - leftKept.length + right.length - rightKept.length).toBeGreaterThanOrEqual(
    between.length,
  );
}

/** `ssh -G` of `host` under `config` (the real OpenSSH client, no connection made). */
function resolve(config: Buffer, host: string, extra: string[] = []): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'ecspoc-merge-'));
  const file = join(dir, 'config');
  writeFileSync(file, config);
  const result = spawnSync('ssh', ['-G', '-F', file, ...extra, host], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(result.stderr).not.toMatch(/Bad configuration|line \d+/);
  expect(result.status).toBe(0);
  return Object.fromEntries(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const space = line.indexOf(' ');
        return [line.slice(0, space), line.slice(space + 1)];
      }),
  );
}

const REALISTIC: Array<[string, string[]]> = [
  ['laptop.config', ['github.com', 'legacy', 'x.corp.example.com', 'anything']],
  ['crlf.config', ['build-agent', 'anything']],
  ['unicode.config', ['café', 'anything']],
  ['other-tools.config', ['personal', 'web-1.us-central1-a.my-project', 'ansible-target']],
  ['earlier-ecspoc.config', ['personal', 'ecspoc-staging-bastion', 'anything']],
  ['globals-only.config', ['anything']],
  ['bom.config', []],
];

describe('mergeManagedBlock over realistic configs', () => {
  it.each(REALISTIC)('%s: only the block changes, the second run writes nothing', (name) => {
    const before = fixture(name);
    const first = mergeManagedBlock(before, 'dev', block(), name);
    expect(first.changed).toBe(true);
    expectOnlyBlockChanged(before, first.content, 'dev');
    const second = mergeManagedBlock(first.content, 'dev', block(), name);
    expect(second.changed).toBe(false);
    expect(second.content.equals(first.content)).toBe(true);
  });

  it.each(REALISTIC.filter(([, hosts]) => hosts.length > 0))(
    '%s: every existing host resolves as before with ssh -G, and the new hosts resolve',
    (name, hosts) => {
      const before = fixture(name);
      const after = mergeManagedBlock(before, 'dev', block(), name).content;
      for (const host of hosts) {
        const extra = host.endsWith('corp.example.com') ? ['-l', 'alice'] : [];
        expect(resolve(after, host, extra)).toEqual(resolve(before, host, extra));
      }
      const bastion = resolve(after, 'ecspoc-dev-bastion');
      expect(bastion.hostname).toBe('203.0.113.50');
      const instance = resolve(after, 'ecspoc-dev-i-0a0000000000000a1');
      expect(instance.hostname).toBe('10.0.16.5');
      expect(instance.proxycommand).toBe('ssh -W %h:%p ecspoc-dev-bastion');
    },
  );

  it('replaces the earlier block of the same environment in place and keeps the other environment’s', () => {
    const before = fixture('earlier-ecspoc.config');
    const result = mergeManagedBlock(before, 'dev', block('dev', '198.51.100.2'), 'config');
    const text = result.content.toString('utf8');
    expect(result.previousBlock).toContain('ecspoc-dev-i-0gone000000000000');
    expect(text).not.toContain('i-0gone');
    expect(text).toContain('HostName 198.51.100.2');
    expect(extractManagedBlock(result.content, 'staging', 'config')).toBe(
      extractManagedBlock(before, 'staging', 'config'),
    );
    expect(findManagedBlocks(result.content, 'config').map((s) => s.env)).toEqual(['staging', 'dev']);
    expect(text.endsWith('Host *\n  ServerAliveInterval 60\n')).toBe(true);
  });

  it('puts a new environment’s block after the existing ecspoc blocks', () => {
    const result = mergeManagedBlock(fixture('earlier-ecspoc.config'), 'qa', block('qa'), 'config');
    expect(findManagedBlocks(result.content, 'config').map((s) => s.env)).toEqual(['staging', 'dev', 'qa']);
    expect(result.content.toString('utf8')).toContain('# END ecspoc dev\n\n# BEGIN ecspoc qa\n');
  });

  it('puts the block before the first Host or Match entry and the comments attached to it, after global settings', () => {
    const text = mergeManagedBlock(fixture('laptop.config'), 'dev', block(), 'config').content.toString(
      'utf8',
    );
    expect(text).toMatch(
      /ServerAliveInterval 30\n\n# BEGIN ecspoc dev\n[\s\S]*# END ecspoc dev\n\n# Work: everything under corp/,
    );
  });

  it('writes the block with CRLF line ends into a CRLF file and adds no bare LF', () => {
    const before = fixture('crlf.config');
    expect(detectEol(before)).toBe('\r\n');
    const after = mergeManagedBlock(before, 'dev', block(), 'config').content.toString('latin1');
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    expect(after).toContain('# BEGIN ecspoc dev\r\n');
  });

  it('keeps a byte-order mark first', () => {
    const after = mergeManagedBlock(fixture('bom.config'), 'dev', block(), 'config').content;
    expect([...after.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(after.subarray(3).toString('utf8').startsWith('# BEGIN ecspoc dev\n')).toBe(true);
  });

  it('appends to a file without sections, ending its last line first', () => {
    const after = mergeManagedBlock(
      fixture('globals-only.config'),
      'dev',
      block(),
      'config',
    ).content.toString();
    expect(after.startsWith('IdentitiesOnly yes\nUser ops\n\n# BEGIN ecspoc dev\n')).toBe(true);
  });

  it('creates the content of a new or empty file from the block alone', () => {
    expect(mergeManagedBlock(undefined, 'dev', block(), 'config').content.toString()).toBe(block());
    expect(mergeManagedBlock(Buffer.alloc(0), 'dev', block(), 'config').content.toString()).toBe(block());
  });

  it('keeps bytes that are not valid UTF-8 outside the block', () => {
    const before = Buffer.concat([
      Buffer.from('# latin1: '),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('\nHost x\n  HostName y\n'),
    ]);
    const after = mergeManagedBlock(before, 'dev', block(), 'config').content;
    expectOnlyBlockChanged(before, after, 'dev');
    expect(after.includes(Buffer.from([0xe9, 0xff]))).toBe(true);
  });
});

describe('findManagedBlocks refuses damaged markers, naming the line', () => {
  const refuse = (text: string, message: RegExp) =>
    expect(() => mergeManagedBlock(Buffer.from(text), 'dev', block(), '/home/a/.ssh/config')).toThrow(
      message,
    );

  it('a BEGIN without its END', () =>
    refuse('Host a\n# BEGIN ecspoc dev\nHost b\n', /config line 2: .*has no "# END ecspoc dev"/));
  it('an END without its BEGIN', () =>
    refuse('# END ecspoc dev\n', /line 1: .*without its "# BEGIN ecspoc dev"/));
  it('two blocks for one environment', () =>
    refuse(
      '# BEGIN ecspoc dev\n# END ecspoc dev\n# BEGIN ecspoc dev\n# END ecspoc dev\n',
      /line 3: a second managed block/,
    ));
  it('nested blocks', () =>
    refuse(
      '# BEGIN ecspoc dev\n# BEGIN ecspoc qa\n# END ecspoc qa\n# END ecspoc dev\n',
      /line 2: .*inside the block of "dev"/,
    ));
  it('a crossed END', () => refuse('# BEGIN ecspoc qa\n# END ecspoc dev\n', /closes the block of "qa"/));
});
