import { Command, Errors, Flags, Interfaces } from '@oclif/core';

import type { AwsClients } from './lib/aws/clients.js';
import type { Settings } from './lib/config/index.js';
import { EcspocError, EXIT_CODES, InterruptedError } from './lib/errors.js';

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

  /** Resolves configuration and builds the client factory; the SDK is loaded here, not at start-up. */
  protected async awsContext(): Promise<AwsContext> {
    const [{ resolveSettings }, { AwsClients, resolveRegion }] = await Promise.all([
      import('./lib/config/index.js'),
      import('./lib/aws/clients.js'),
    ]);
    const settings = await resolveSettings({
      env: this.flags.env,
      profile: this.flags.profile,
      region: this.flags.region,
      endpointUrl: this.flags['endpoint-url'],
    });
    // Every error message names the endpoint in use, wherever in lib code it is raised.
    if (settings.endpointUrl) process.env.AWS_ENDPOINT_URL = settings.endpointUrl;
    const region = await resolveRegion(settings.region, settings.profile);
    this.awsClients = new AwsClients({
      profile: settings.profile,
      region,
      endpointUrl: settings.endpointUrl,
    });
    return { settings, region, aws: this.awsClients };
  }

  /** True when the operator wants no decoration: `--json`. */
  protected get jsonMode(): boolean {
    return this.jsonEnabled();
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    const debug = this.isDebug();
    const { exitCode, lines } = describeFailure(error);
    if (this.jsonEnabled() && exitCode !== EXIT_CODES.usage) {
      const ecspoc = error instanceof EcspocError ? error : undefined;
      this.logJson({
        error: {
          code: ecspoc?.code ?? 'FAILED',
          message: error.message,
          suggestions: ecspoc?.suggestions ?? [],
        },
      });
    }
    process.stderr.write(lines.join('\n') + '\n');
    if (debug && error.stack) process.stderr.write(error.stack + '\n');
    this.exit(exitCode);
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

/** The one-line message, suggestions and exit code for anything a command throws. */
export function describeFailure(error: Error & { exitCode?: number; oclif?: { exit?: number } }): {
  exitCode: number;
  lines: string[];
} {
  if (error instanceof EcspocError) {
    return {
      exitCode: error.exitCode,
      lines: [`Error: ${error.message}`, ...error.suggestions.map((s) => `Try: ${s}`)],
    };
  }
  if (error.name === 'ExitPromptError' || error.name === 'AbortPromptError') {
    return describeFailure(new InterruptedError());
  }
  if (error instanceof Errors.CLIError) {
    // oclif parse errors (unknown flag, missing argument) carry exit code 2.
    const exitCode = error.oclif?.exit ?? EXIT_CODES.failure;
    const firstLine = error.message.split('\n')[0];
    return {
      exitCode: exitCode === 1 ? EXIT_CODES.failure : exitCode,
      lines: [
        `Error: ${firstLine}`,
        ...(exitCode === 2 ? ['Try: add --help to see the flags and arguments.'] : []),
      ],
    };
  }
  return {
    exitCode: EXIT_CODES.failure,
    lines: [`Error: ${error.message.split('\n')[0]}`, 'Try: run again with --debug for details.'],
  };
}
