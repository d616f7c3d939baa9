import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program on the operator's machine that a way into the instances runs. */
export interface LocalTool {
  name: string;
  /** Where it was found on PATH; undefined when it is not there. */
  path?: string;
  /** What needs it. */
  neededFor: string;
  /** How to get it, when it is missing. */
  install: string;
}

/** Looks a program up as a shell would: the first executable file of that name in PATH's directories. */
export function findOnPath(
  program: string,
  path: string | undefined,
  platform = process.platform,
): string | undefined {
  // Windows finds programs by their extension too; PATHEXT lists which.
  const extensions =
    platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const directory of (path ?? '').split(delimiter)) {
    if (!directory) continue;
    for (const extension of extensions) {
      const candidate = join(directory, program + extension);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not there, or not executable: keep looking, as the shell does
      }
    }
  }
  return undefined;
}

/**
 * The programs that `ssh-config --via ssm|eice` ProxyCommands run, and where each is on PATH. ssh
 * runs the ProxyCommand through the user's shell, so a program missing from PATH fails every
 * connection with "command not found"; doctor says so before ssh does.
 */
export function checkLocalTools(path: string | undefined = process.env.PATH): LocalTool[] {
  const tools: Array<Omit<LocalTool, 'path'>> = [
    {
      name: 'aws',
      neededFor: 'ssh-config --via ssm and --via eice (the ProxyCommand runs the AWS CLI)',
      install:
        'Install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
    },
    {
      name: 'session-manager-plugin',
      neededFor: 'ssh-config --via ssm (aws ssm start-session hands the session to the plugin)',
      install:
        'Install the Session Manager plugin for the AWS CLI: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html',
    },
  ];
  return tools.map((tool) => {
    const found = findOnPath(tool.name, path);
    return { ...tool, ...(found ? { path: found } : {}) };
  });
}

/**
 * The missing programs that are a problem: those the configured `sshVia` needs (ssm: the AWS CLI and
 * the plugin; eice: the AWS CLI). Every operator sees the tools section; only these need action.
 */
export function missingToolProblems(
  tools: readonly LocalTool[],
  via: string | undefined,
): Array<{ message: string; suggestion: string }> {
  return tools
    .filter((tool) => !tool.path && (via === 'ssm' || (via === 'eice' && tool.name === 'aws')))
    .map((tool) => ({
      message: `${tool.name} is not on PATH, and sshVia is ${via}: it is needed by ${tool.neededFor}.`,
      suggestion: tool.install,
    }));
}
