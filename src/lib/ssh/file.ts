import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

import { describeThrown, OperationError, UsageError } from '../errors.js';

/** The file-system calls the config writer makes; injected so tests can fail any of them. */
export interface ConfigFs {
  lstat(path: string): Promise<{ isSymbolicLink(): boolean }>;
  stat(path: string): Promise<{ mode: number; uid: number; gid: number; mtimeMs: number; size: number }>;
  readlink(path: string): Promise<string>;
  readFile(path: string): Promise<Buffer>;
  /** Creates one directory, never its parents (see `makeDirectories`). */
  mkdir(path: string, options: { mode: number }): Promise<unknown>;
  open(path: string, flags: string, mode: number): Promise<ConfigFileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** The calls made on an open temporary file. */
export interface ConfigFileHandle {
  writeFile(data: Buffer): Promise<void>;
  chmod(mode: number): Promise<void>;
  chown(uid: number, gid: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The real file system. */
export const nodeConfigFs: ConfigFs = {
  lstat: (path) => nodeFs.lstat(path),
  stat: (path) => nodeFs.stat(path),
  readlink: (path) => nodeFs.readlink(path),
  readFile: (path) => nodeFs.readFile(path),
  mkdir: (path, options) => nodeFs.mkdir(path, options),
  open: (path, flags, mode) => nodeFs.open(path, flags, mode),
  rename: (from, to) => nodeFs.rename(from, to),
  unlink: (path) => nodeFs.unlink(path),
};

/** Mode of a config file ecspoc creates: ssh refuses a config others can write, and keys' aliases are private. */
export const NEW_FILE_MODE = 0o600;
/** Mode of a `~/.ssh` directory ecspoc creates. */
export const NEW_DIR_MODE = 0o700;
/** Appended to the config file's name for the copy of its previous content. */
export const BACKUP_SUFFIX = '.ecspoc.bak';

/** The user's SSH config: `~/.ssh/config`. */
export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

/** An absolute path for `--file`, with a leading `~/` expanded. */
export function expandConfigPath(path: string, cwd = process.cwd()): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(cwd, path);
}

/** A config file as it was read. */
export interface ConfigFileState {
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  size: number;
}

/** What writing the config file did. */
export interface WriteOutcome {
  /** The file written: the target of `path` when it is a symlink. */
  target: string;
  changed: boolean;
  /** Where the previous content was copied, when there was a previous file and it changed. */
  backup?: string;
}

/**
 * Follows symlinks (relative or absolute, chained, dangling) to the file they name, so a config
 * kept in a dotfiles repository is written through its link, not replaced by a regular file.
 */
export async function resolveSymlinks(path: string, fs: ConfigFs = nodeConfigFs): Promise<string> {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = (await fs.lstat(current)).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current;
      throw fileError(error, 'reading', path);
    }
    if (!isLink) return current;
    current = resolve(dirname(current), await fs.readlink(current));
  }
  throw new OperationError('SSH_CONFIG_LOOP', `${path} is a loop of symbolic links.`, {
    suggestions: ['Point --file at a regular file.'],
  });
}

/** Reads a config file with its mode and owner; undefined when it does not exist. */
export async function readConfigFileState(
  path: string,
  fs: ConfigFs = nodeConfigFs,
): Promise<ConfigFileState | undefined> {
  try {
    const [content, stat] = await Promise.all([fs.readFile(path), fs.stat(path)]);
    return {
      content,
      mode: stat.mode & 0o7777,
      uid: stat.uid,
      gid: stat.gid,
      mtimeMs: stat.mtimeMs,
      size: stat.size,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(error, 'reading', path);
  }
}

/**
 * Writes `data` to `path` so that a crash at any point leaves either the old file or the new one,
 * never a part: a temporary file in the same directory, written, given `mode` (and the owner, when
 * root edits another user's file), flushed to disk, then renamed over `path`; the directory is
 * flushed too. The temporary file is removed when anything fails.
 */
export async function atomicWriteFile(
  path: string,
  data: Buffer,
  options: { mode: number; owner?: { uid: number; gid: number } },
  fs: ConfigFs = nodeConfigFs,
): Promise<void> {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.ecspoc-${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  );
  let handle: ConfigFileHandle | undefined;
  try {
    handle = await fs.open(temporary, 'wx', options.mode);
    await handle.writeFile(data);
    await handle.chmod(options.mode); // the umask may have narrowed the mode given to open
    if (options.owner && process.getuid?.() === 0) await handle.chown(options.owner.uid, options.owner.gid);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.unlink(temporary).catch(() => undefined);
    throw fileError(error, 'writing', path);
  }
  await syncDirectory(dirname(path), fs);
}

/**
 * Reads `path` (through symlinks), lets `update` compute the new content, and writes it atomically
 * when it differs: the previous file is first copied to `<file>.ecspoc.bak` (same mode), an existing
 * file keeps its mode and owner, a new one gets mode 0600 (and its directory 0700). Refuses to write
 * when the file changed while the update was computed.
 */
export async function updateConfigFile(
  path: string,
  update: (content: Buffer | undefined) => { content: Buffer; changed: boolean },
  fs: ConfigFs = nodeConfigFs,
): Promise<WriteOutcome> {
  const target = await resolveSymlinks(path, fs);
  const current = await readConfigFileState(target, fs);
  const next = update(current?.content);
  if (!next.changed) return { target, changed: false };
  if (!current) await makeDirectories(dirname(target), target, fs);
  let backup: string | undefined;
  if (current) {
    backup = target + BACKUP_SUFFIX;
    await atomicWriteFile(backup, current.content, { mode: current.mode, owner: current }, fs);
    const now = await readConfigFileState(target, fs);
    if (!now || now.mtimeMs !== current.mtimeMs || now.size !== current.size) {
      throw new OperationError(
        'SSH_CONFIG_CHANGED',
        `${target} changed while ecspoc was updating it; it was left as it is now.`,
        {
          suggestions: ['Run the command again.'],
        },
      );
    }
  }
  await atomicWriteFile(
    target,
    next.content,
    current ? { mode: current.mode, owner: current } : { mode: NEW_FILE_MODE },
    fs,
  );
  return { target, changed: true, ...(backup ? { backup } : {}) };
}

/**
 * Creates `dir` and its missing parents with mode 0700, one level at a time from the nearest
 * existing ancestor. Not `mkdir({recursive: true})`: Node's recursive mkdir retries forever, at
 * 100 % CPU, where mkdir answers ENOENT although the parent exists (under /proc, which refuses new
 * entries that way). Here every level is tried once, and a refusal names the directory.
 */
export async function makeDirectories(
  dir: string,
  forFile: string,
  fs: ConfigFs = nodeConfigFs,
): Promise<void> {
  const missing: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    try {
      await fs.stat(current);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw directoryError(error, current, forFile);
      missing.unshift(current);
      if (dirname(current) === current) break;
    }
  }
  for (const level of missing) {
    try {
      await fs.mkdir(level, { mode: NEW_DIR_MODE });
    } catch (error) {
      // Another process made it meanwhile: what was wanted.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw directoryError(error, level, forFile);
    }
  }
}

function directoryError(error: unknown, dir: string, forFile: string): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'ENOTDIR'
          ? 'a part of the path is a file, not a directory'
          : code === 'ENOENT'
            ? 'the file system there does not take new directories'
            : describeThrown(error).message;
  return new UsageError('SSH_CONFIG_DIR', `Cannot create the directory ${dir} for ${forFile}: ${why}.`, {
    cause: error,
    suggestions: [
      'Nothing was written. Give --file a path in a directory you can write, or create the directory first (default: ~/.ssh/config).',
    ],
  });
}

async function syncDirectory(dir: string, fs: ConfigFs): Promise<void> {
  // Makes the rename itself durable. Some file systems refuse fsync on a directory: not fatal.
  try {
    const handle = await fs.open(dir, 'r', 0);
    await handle.sync().catch(() => undefined);
    await handle.close();
  } catch {
    // the write already succeeded
  }
}

function fileError(error: unknown, doing: string, path: string): OperationError {
  if (error instanceof OperationError) return error;
  const { message } = describeThrown(error);
  const code = (error as NodeJS.ErrnoException).code;
  return new OperationError('SSH_CONFIG_IO', `Failed ${doing} ${path}: ${message}`, {
    cause: error,
    suggestions:
      code === 'EACCES' || code === 'EPERM'
        ? [`Check the permissions of ${path} and its directory; the file was not changed.`]
        : ['The file was not changed; fix the cause and run again.'],
  });
}
