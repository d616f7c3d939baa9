import { Command, Flags, Interfaces } from '@oclif/core';

import type { AwsClients } from './lib/aws/clients.js';
import { type AdoptRequest, resolveAdoption } from './lib/clusters/target.js';
import type { GlobalFlagValues, Settings } from './lib/config/index.js';
import { applyOutcome, type FlowOutcome } from './flows/outcome.js';
import { describeFailure, type FailureContext, failureJson, failureLines } from './ui/error-output.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>;

/** The context of a command that talks to AWS: resolved settings and the client factory. */
export interface AwsContext {
  settings: Settings;
  region: string;
  aws: AwsClients;
}

/**
 * The shell every ecspoc command stands on: the global flags, configuration, the AWS client
 * factory, and one place where errors become a single line, a suggestion and an exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    env: Flags.string({
      description: 'environment name (default: $ECSPOC_ENV, then the config file, then "dev")',
      helpGroup: 'GLOBAL',
    }),
    profile: Flags.string({ description: 'AWS profile (default: $AWS_PROFILE)', helpGroup: 'GLOBAL' }),
    region: Flags.string({
      description: 'AWS region (default: $AWS_REGION, then the config file, then the profile)',
      helpGroup: 'GLOBAL',
    }),
    'endpoint-url': Flags.string({
      description: 'send every AWS call to this endpoint, e.g. a local emulator (default: $AWS_ENDPOINT_URL)',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({
      description: 'print stack traces and the AWS API call counts to stderr',
      helpGroup: 'GLOBAL',
    }),
  };

  /**
   * Commands that read or change an existing environment set this, so that an environment nobody
   * chose (the "dev" default) is refused when it does not exist and others do. Deploy and diff
   * leave it unset: they are how "dev" comes to exist.
   */
  static readsExistingEnvironment = false;

  protected flags!: BaseFlags<T>;
  protected args!: Interfaces.InferredArgs<T['args']>;
  private awsClients?: AwsClients;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as Interfaces.InferredArgs<T['args']>;
  }

  /** The global flags as configuration reads them. */
  protected globalFlagValues(): GlobalFlagValues {
    return {
      env: this.flags.env,
      profile: this.flags.profile,
      region: this.flags.region,
      endpointUrl: this.flags['endpoint-url'],
    };
  }

  /** Resolves configuration and builds the client factory; the SDK is loaded here, not at start-up. */
  protected async awsContext(): Promise<AwsContext> {
    const [{ resolveSettings }, { AwsClients, resolveRegion }] = await Promise.all([
      import('./lib/config/index.js'),
      import('./lib/aws/clients.js'),
    ]);
    const flags = this.globalFlagValues();
    let settings = await resolveSettings(flags);
    // Every error message names the endpoint in use, wherever in lib code it is raised.
    if (settings.endpointUrl) process.env.AWS_ENDPOINT_URL = settings.endpointUrl;
    // Usage mistakes that need only the settings are refused before any AWS call (the region included).
    const adopting = Boolean(await this.adoption(settings));
    await this.checkSettings(settings);
    const region = await resolveRegion(settings.region, settings.profile);
    this.awsClients = new AwsClients({
      profile: settings.profile,
      region,
      endpointUrl: settings.endpointUrl,
    });
    // A cluster named on the command line or adopted in the config file needs no environment's stacks.
    if (
      settings.envSource === 'default' &&
      (this.ctor as typeof BaseCommand).readsExistingEnvironment &&
      !adopting
    ) {
      const [{ CloudFormationClient }, { defaultEnvironmentOrPick }, { canPrompt }] = await Promise.all([
        import('./lib/aws/sdk/cloudformation.js'),
        import('./lib/environments/default.js'),
        import('./ui/terminal.js'),
      ]);
      // On a terminal the operator picks among the environments that exist; otherwise it is refused.
      const pick = canPrompt()
        ? async (existing: string[], hint: string) => {
            const { pickOne } = await import('./ui/prompt.js');
            return pickOne(
              `No environment chosen and "${settings.env}" does not exist; pick one (${region})`,
              existing.map((env) => ({ name: env, value: env })),
              hint,
            );
          }
        : undefined;
      const env = await defaultEnvironmentOrPick(
        this.awsClients.client(CloudFormationClient),
        settings.env,
        pick,
      );
      if (env !== settings.env) settings = await resolveSettings({ ...flags, env });
    }
    return { settings, region, aws: this.awsClients };
  }

  /**
   * Checks the command's own flags against the settings, offline; a command overrides it to refuse a
   * bad value (e.g. `ssh-config --via`) before awsContext makes any AWS call.
   */
  protected async checkSettings(_settings: Settings): Promise<void> {}

  /**
   * The cluster this command targets when it is not the bundle's: `--cluster` and its companion flags
   * over `environments.<env>.cluster` of the config file (see resolveAdoption). Undefined: the bundle's.
   */
  protected async adoption(settings: Settings): Promise<AdoptRequest | undefined> {
    const flags = this.flags as {
      cluster?: string;
      asg?: string;
      bastion?: string;
      'instance-log-prefix'?: string;
    };
    return resolveAdoption(
      {
        cluster: flags.cluster,
        asg: flags.asg,
        bastion: flags.bastion,
        instanceLogPrefix: flags['instance-log-prefix'],
      },
      settings.adopt,
    );
  }

  /** True when the operator wants no decoration: `--json`. */
  protected get jsonMode(): boolean {
    return this.jsonEnabled();
  }

  /**
   * Ends a command with its flow's outcome, the one place where an outcome meets the process: see
   * applyOutcome. Returns the output, which oclif prints under --json.
   */
  protected finish<O>(outcome: FlowOutcome<O>): O {
    return applyOutcome(outcome, {
      json: this.jsonEnabled(),
      stderr: process.stderr,
      errorLines: (error) => this.failureLines(error),
      setExitCode: (code) => (process.exitCode = code),
    });
  }

  /** The lines that say what went wrong and what to try, for anything thrown (the one error renderer). */
  protected failureLines(error: unknown): string[] {
    const thrown = error instanceof Error ? error : new Error(String(error));
    return failureLines(describeFailure(thrown, this.failureContext()));
  }

  private failureContext(): FailureContext {
    return {
      command: [this.config.bin, ...(this.id ?? '').split(':')].filter(Boolean).join(' '),
      flags: { ...this.ctor.baseFlags, ...this.ctor.flags } as FailureContext['flags'],
    };
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const failure = describeFailure(error, this.failureContext());
    // Usage errors too: a script that passed --json reads why on stdout, with the same exit code.
    if (this.errorsAsJson()) this.logJson(failureJson(failure));
    process.stderr.write(failureLines(failure).join('\n') + '\n');
    if (this.isDebug() && error.stack) process.stderr.write(error.stack + '\n');
    this.exit(failure.exitCode);
  }

  /**
   * `--json` asks for machine-readable errors even when parsing failed (oclif's own jsonEnabled()
   * then still works from argv); `logs tail --json` selects a line format, and is honoured the same.
   */
  private errorsAsJson(): boolean {
    if (this.jsonEnabled()) return true;
    const end = this.argv.indexOf('--');
    const argv = end === -1 ? this.argv : this.argv.slice(0, end);
    return 'json' in (this.ctor.flags ?? {}) && argv.includes('--json');
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.awsClients?.destroy();
    if (this.isDebug()) {
      const { apiCalls } = await import('./lib/aws/counter.js');
      process.stderr.write(`ecspoc: api-calls ${JSON.stringify(apiCalls.snapshot())}\n`);
    }
    return super.finally(error);
  }

  private isDebug(): boolean {
    return (
      Boolean(this.flags?.debug) ||
      process.argv.includes('--debug') ||
      Boolean(process.env.DEBUG?.includes('ecspoc'))
    );
  }
}

/** The one-line message, suggestions and exit code for anything a command throws (see src/ui/error-output.ts). */
export { describeFailure } from './ui/error-output.js';
