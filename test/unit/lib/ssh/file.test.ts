import { describe, expect, it } from '@jest/globals';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { OperationError, UsageError } from '../../../../src/lib/errors.js';
import {
  atomicWriteFile,
  type ConfigFileHandle,
  type ConfigFs,
  expandConfigPath,
  makeDirectories,
  nodeConfigFs,
  resolveSymlinks,
  updateConfigFile,
} from '../../../../src/lib/ssh/file.js';
import { mergeManagedBlock } from '../../../../src/lib/ssh/merge.js';

const BLOCK = '# BEGIN ecspoc dev\nHost ecspoc-dev-bastion\n  HostName 203.0.113.1\n# END ecspoc dev\n';
const ORIGINAL = '# mine\r\nHost github.com\r\n  User git\r\n';

const tempDir = () => mkdtempSync(join(tmpdir(), 'ecspoc-file-'));
const merge = (path: string) => (content: Buffer | undefined) =>
  mergeManagedBlock(content, 'dev', BLOCK, path);
const mode = (path: string) => statSync(path).mode & 0o777;

describe('updateConfigFile', () => {
  it('creates a missing file with mode 0600 and its directory with 0700', async () => {
    const dir = tempDir();
    const path = join(dir, '.ssh', 'config');
    const outcome = await updateConfigFile(path, merge(path));
    expect(outcome).toEqual({ target: path, changed: true });
    expect(readFileSync(path, 'utf8')).toBe(BLOCK);
    expect(mode(path)).toBe(0o600);
    expect(mode(join(dir, '.ssh'))).toBe(0o700);
  });

  it('keeps the mode of an existing file and backs up its previous content', async () => {
    const path = join(tempDir(), 'config');
    writeFileSync(path, ORIGINAL);
    chmodSync(path, 0o640);
    const outcome = await updateConfigFile(path, merge(path));
    expect(outcome).toEqual({ target: path, changed: true, backup: `${path}.ecspoc.bak` });
    expect(mode(path)).toBe(0o640);
    expect(readFileSync(`${path}.ecspoc.bak`, 'utf8')).toBe(ORIGINAL);
    expect(mode(`${path}.ecspoc.bak`)).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toContain(ORIGINAL);
  });

  it('writes nothing, not even a backup, when nothing changed', async () => {
    const path = join(tempDir(), 'config');
    writeFileSync(path, ORIGINAL);
    await updateConfigFile(path, merge(path));
    const written = readFileSync(path);
    const { mtimeMs } = statSync(path);
    writeFileSync(`${path}.ecspoc.bak`, 'sentinel');
    const outcome = await updateConfigFile(path, merge(path));
    expect(outcome).toEqual({ target: path, changed: false });
    expect(readFileSync(path).equals(written)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(mtimeMs);
    expect(readFileSync(`${path}.ecspoc.bak`, 'utf8')).toBe('sentinel');
  });

  it('writes through a symlink (relative, chained) to its target and keeps the links', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'dotfiles'));
    const real = join(dir, 'dotfiles', 'ssh_config');
    writeFileSync(real, ORIGINAL);
    symlinkSync('dotfiles/ssh_config', join(dir, 'middle'));
    const link = join(dir, 'config');
    symlinkSync(join(dir, 'middle'), link);
    const outcome = await updateConfigFile(link, merge(link));
    expect(outcome.target).toBe(real);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'middle')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('# BEGIN ecspoc dev');
    expect(readFileSync(`${real}.ecspoc.bak`, 'utf8')).toBe(ORIGINAL);
  });

  it('creates the target of a dangling symlink', async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'config'));
    const outcome = await updateConfigFile(join(dir, 'config'), merge('config'));
    expect(outcome.target).toBe(join(dir, 'elsewhere'));
    expect(readFileSync(join(dir, 'elsewhere'), 'utf8')).toBe(BLOCK);
  });

  it('refuses a loop of symlinks', async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    await expect(resolveSymlinks(join(dir, 'a'))).rejects.toThrow(/loop of symbolic links/);
  });

  describe('a crash mid-write leaves the old file intact', () => {
    /** The real file system, with one step made to fail for the config file's temporary file. */
    function failing(step: 'write' | 'sync' | 'rename' | 'chmod'): ConfigFs {
      return {
        ...nodeConfigFs,
        async open(path, flags, fileMode) {
          const handle = await nodeConfigFs.open(path, flags, fileMode);
          if (path.includes('.ecspoc.bak')) return handle;
          const wrapped: ConfigFileHandle = {
            writeFile: async (data) => {
              if (step !== 'write') return handle.writeFile(data);
              await handle.writeFile(data.subarray(0, Math.floor(data.length / 2)));
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            },
            chmod: async (m) => {
              if (step === 'chmod')
                throw Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' });
              return handle.chmod(m);
            },
            chown: (uid, gid) => handle.chown(uid, gid),
            sync: async () => {
              if (step === 'sync') throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
              return handle.sync();
            },
            close: () => handle.close(),
          };
          return wrapped;
        },
        async rename(from, to) {
          if (step === 'rename' && !to.endsWith('.ecspoc.bak'))
            throw Object.assign(new Error('EXDEV: cross-device link not permitted, rename'), {
              code: 'EXDEV',
            });
          return nodeConfigFs.rename(from, to);
        },
      };
    }

    it.each(['write', 'chmod', 'sync', 'rename'] as const)('failing %s', async (step) => {
      const dir = tempDir();
      const path = join(dir, 'config');
      writeFileSync(path, ORIGINAL);
      chmodSync(path, 0o600);
      const error = await updateConfigFile(path, merge(path), failing(step)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OperationError);
      expect((error as OperationError).message).toMatch(new RegExp(`Failed writing ${path}`));
      expect((error as OperationError).suggestions.join(' ')).toMatch(/not changed|permissions/);
      expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
      expect(mode(path)).toBe(0o600);
      // No temporary file is left behind.
      expect(readdirSync(dir).sort()).toEqual(['config', 'config.ecspoc.bak']);
    });

    it('an interrupted temporary file never replaces the config (the rename is the only switch)', async () => {
      const dir = tempDir();
      const path = join(dir, 'config');
      writeFileSync(path, ORIGINAL);
      // A process killed after writing half the temporary file: the unlink never happens either.
      const killed: ConfigFs = { ...failing('write'), unlink: async () => undefined };
      await updateConfigFile(path, merge(path), killed).catch(() => undefined);
      expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
      const leftovers = readdirSync(dir).filter((name) => name.endsWith('.tmp'));
      expect(leftovers).toHaveLength(1);
      expect(readFileSync(join(dir, leftovers[0]), 'utf8').length).toBeLessThan(
        ORIGINAL.length + BLOCK.length,
      );
    });
  });

  it('refuses to write when the file changed while it was being updated', async () => {
    const path = join(tempDir(), 'config');
    writeFileSync(path, ORIGINAL);
    const update = (content: Buffer | undefined) => {
      writeFileSync(path, ORIGINAL + 'Host added-meanwhile\n');
      return mergeManagedBlock(content, 'dev', BLOCK, path);
    };
    await expect(updateConfigFile(path, update)).rejects.toThrow(/changed while ecspoc was updating it/);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL + 'Host added-meanwhile\n');
  });

  it('reports an unreadable file as one clear error', async () => {
    if (process.getuid?.() === 0) return; // root reads anything
    const path = join(tempDir(), 'config');
    writeFileSync(path, ORIGINAL);
    chmodSync(path, 0o000);
    await expect(updateConfigFile(path, merge(path))).rejects.toThrow(/Failed reading/);
  });
});

describe('a directory that cannot be created', () => {
  it('under /proc fails at once with one usage error naming the directory (where recursive mkdir spins)', async () => {
    const path = '/proc/ecspoc-no-such-dir/config';
    const error = await updateConfigFile(path, merge(path)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      code: 'SSH_CONFIG_DIR',
      exitCode: 2,
      message: expect.stringContaining('/proc/ecspoc-no-such-dir'),
      suggestions: [expect.stringContaining('--file')],
    });
    expect(existsSync('/proc/ecspoc-no-such-dir')).toBe(false);
  });

  it('tries each missing level once, from the nearest existing ancestor down, and stops at the first refusal', async () => {
    const made: string[] = [];
    const fs: ConfigFs = {
      ...nodeConfigFs,
      stat: async (path) => {
        if (path === '/srv' || path === '/') return { mode: 0o755, uid: 0, gid: 0, mtimeMs: 0, size: 0 };
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      },
      mkdir: async (path) => {
        made.push(path);
        // what /proc answers: ENOENT although the parent exists
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      },
    };
    await expect(makeDirectories('/srv/a/b/c', '/srv/a/b/c/config', fs)).rejects.toThrow(
      'Cannot create the directory /srv/a for /srv/a/b/c/config: the file system there does not take new directories.',
    );
    expect(made).toEqual(['/srv/a']);
  });

  it('creates every missing level with mode 0700 and takes one made meanwhile by someone else', async () => {
    const root = tempDir();
    const made: string[] = [];
    const fs: ConfigFs = {
      ...nodeConfigFs,
      mkdir: async (path, options) => {
        made.push(path);
        if (path === join(root, 'a', 'b')) {
          mkdirSync(path); // the race: another process is first
          throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' });
        }
        return nodeConfigFs.mkdir(path, options);
      },
    };
    await makeDirectories(join(root, 'a', 'b', 'c'), join(root, 'a', 'b', 'c', 'config'), fs);
    expect(made).toEqual([join(root, 'a'), join(root, 'a', 'b'), join(root, 'a', 'b', 'c')]);
    expect(mode(join(root, 'a'))).toBe(0o700);
    expect(mode(join(root, 'a', 'b', 'c'))).toBe(0o700);
  });

  it('says so when a part of the path is a file', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'plain'), 'x');
    const dir = join(root, 'plain', 'sub');
    await expect(makeDirectories(dir, join(dir, 'config'))).rejects.toThrow(
      `Cannot create the directory ${dir} for ${join(dir, 'config')}: a part of the path is a file, not a directory.`,
    );
  });
});

describe('atomicWriteFile', () => {
  it('applies the mode exactly, whatever the umask', async () => {
    const path = join(tempDir(), 'file');
    const previous = process.umask(0o077);
    try {
      await atomicWriteFile(path, Buffer.from('x'), { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    expect(mode(path)).toBe(0o644);
    expect(existsSync(path)).toBe(true);
  });
});

describe('expandConfigPath', () => {
  it('expands ~/ and resolves relative paths', () => {
    expect(expandConfigPath('~/x/config')).toMatch(/\/x\/config$/);
    expect(expandConfigPath('~/x/config').startsWith('~')).toBe(false);
    expect(expandConfigPath('rel/config', '/base')).toBe('/base/rel/config');
    expect(expandConfigPath('/abs/config')).toBe('/abs/config');
  });
});
