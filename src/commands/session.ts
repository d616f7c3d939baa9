import { BaseCommand } from '../base-command.js';
import type { SessionResult } from '../flows/session.js';

export default class Session extends BaseCommand<typeof Session> {
  static override summary = 'An interactive session: pick an environment, then what to do with it';
  static override description =
    'What `ecspoc` alone opens on a terminal. Lists the environments of the account and region with a one-line ' +
    'summary each; pick one, then status, instances (list, drain, activate, cycle), logs, events, SSH config, ' +
    'bastion, diff or deploy. Each runs the same code as its command, with the same questions, then the menu comes ' +
    'back; every screen names the account, region and environment. "Quit" or Ctrl-C at a menu leaves with exit 0 ' +
    '(Ctrl-C inside an action ends that action only). --env (or ECSPOC_ENV) opens at that environment. Needs a terminal: every step is also a command.';
  static override examples = ['<%= config.bin %>', '<%= config.bin %> session --env staging'];

  public async run(): Promise<SessionResult> {
    const [{ canPrompt }, { UsageError }] = await Promise.all([
      import('../ui/terminal.js'),
      import('../lib/errors.js'),
    ]);
    if (!canPrompt())
      throw new UsageError('NO_TERMINAL', 'The interactive session needs a terminal to ask on.', {
        suggestions: [
          'ecspoc help lists the commands; each menu action is one of them (e.g. ecspoc status --env NAME).',
        ],
      });
    const { settings, region, aws } = await this.awsContext();
    const [
      { readCallerIdentity },
      { resolveSettings, readConfigFile, mergeConfigs },
      { runSessionFlow },
      { sessionRunner },
      { terminalPrompts },
    ] = await Promise.all([
      import('../lib/aws/identity.js'),
      import('../lib/config/index.js'),
      import('../flows/session.js'),
      import('../flows/session-runner.js'),
      import('../ui/prompt.js'),
    ]);
    const identity = await readCallerIdentity(aws, settings);
    return this.finish(
      await runSessionFlow({
        where: { account: identity.Account ?? 'unknown', region },
        // Only an environment somebody chose opens at its menu; the "dev" default does not.
        ...(settings.envSource === 'default' ? {} : { env: settings.env }),
        runner: sessionRunner({
          aws,
          region,
          settingsFor: (env) => resolveSettings({ ...this.globalFlagValues(), env }),
          adopted: async () => {
            const files = await Promise.all(settings.configFiles.map(readConfigFile));
            return Object.entries(mergeConfigs(files).environments ?? {}).flatMap(([env, entry]) =>
              entry.cluster ? [{ env, cluster: entry.cluster }] : [],
            );
          },
        }),
        prompts: terminalPrompts,
        write: (text) => process.stderr.write(text),
        errorLines: (error) => this.failureLines(error),
      }),
    );
  }
}
