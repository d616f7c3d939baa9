import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { RetryStrategyV2 } from '@smithy/types';
import { readFileSync } from 'node:fs';

import { AwsError } from '../errors.js';
import { ApiCallCounter, apiCalls } from './counter.js';

/** Where and as whom to call AWS. */
export interface AwsSettings {
  profile?: string;
  region: string;
  /** Overrides every service's endpoint (a local emulator); AWS_ENDPOINT_URL works without it. */
  endpointUrl?: string;
}

/** The constructor shape shared by every AWS SDK v3 client. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ClientClass<C> = new (config: any) => C;

/** What the factory may be given besides where and as whom. */
export interface AwsClientsOptions {
  /**
   * Makes each client's retry strategy (one per client, as the SDK does, so clients do not share a
   * retry quota). Unset in production: the SDK's adaptive mode with 5 attempts, or AWS_RETRY_MODE /
   * AWS_MAX_ATTEMPTS when set. Tests pass a strategy without back-off so no test waits for real.
   * The SDK documents that `retryStrategy` takes precedence over `maxAttempts` and `retryMode`.
   */
  retryStrategy?: () => RetryStrategyV2;
}

interface MiddlewareClient {
  middlewareStack: {
    add: (middleware: unknown, options: { step: string; name: string; priority?: string }) => void;
  };
  destroy(): void;
}

/** Version of this package, for the user agent. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The one factory of AWS clients: region, credentials (the SDK's default chain, profiles and SSO
 * included), endpoint override, adaptive retries, the `ecspoc/<version>` user agent and the API call
 * counter. Lib code passes the client class it needs, so only the SDKs a command uses are loaded.
 */
export class AwsClients {
  private readonly clients = new Map<unknown, MiddlewareClient>();
  private readonly credentials: ReturnType<typeof fromNodeProviderChain>;

  constructor(
    readonly settings: AwsSettings,
    private readonly counter: ApiCallCounter = apiCalls,
    private readonly options: AwsClientsOptions = {},
    credentials?: ReturnType<typeof fromNodeProviderChain>,
  ) {
    this.credentials =
      credentials ?? fromNodeProviderChain(settings.profile ? { profile: settings.profile } : {});
  }

  /**
   * The same factory for another region (`environments --all-regions`): same profile, endpoint,
   * retries and counter, and the same credentials, so they are resolved once for every region.
   */
  forRegion(region: string): AwsClients {
    return new AwsClients({ ...this.settings, region }, this.counter, this.options, this.credentials);
  }

  /** A configured client of the given class, created once per process. */
  client<C>(clientClass: ClientClass<C>): C {
    let client = this.clients.get(clientClass);
    if (!client) {
      client = new clientClass({
        region: this.settings.region,
        credentials: this.credentials,
        ...(this.settings.endpointUrl ? { endpoint: this.settings.endpointUrl } : {}),
        ...this.retryConfig(),
        customUserAgent: `ecspoc/${packageVersion()}`,
        requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }),
        // An emulator endpoint serves neither virtual-host S3 bucket names nor host-prefixed
        // operations (StartLiveTail goes to `streaming-<host>`).
        ...(this.settings.endpointUrl || process.env.AWS_ENDPOINT_URL
          ? { forcePathStyle: true, disableHostPrefix: true }
          : {}),
      }) as unknown as MiddlewareClient;
      this.instrument(client);
      this.clients.set(clientClass, client);
    }
    return client as unknown as C;
  }

  private retryConfig(): Record<string, unknown> {
    if (this.options.retryStrategy) return { retryStrategy: this.options.retryStrategy() };
    return {
      ...(process.env.AWS_RETRY_MODE ? {} : { retryMode: 'adaptive' }),
      ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: 5 }),
    };
  }

  /** Releases the sockets of every client created. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private instrument(client: MiddlewareClient): void {
    const counter = this.counter;
    const nameOf = (context: { clientName?: string; commandName?: string }) =>
      `${(context.clientName ?? 'Unknown').replace(/Client$/, '')}.${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
        (args: unknown) => {
          counter.operation(nameOf(context));
          return next(args);
        },
      { step: 'initialize', name: 'ecspocCountOperations' },
    );
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
        (args: unknown) => {
          counter.attempt(nameOf(context));
          return next(args);
        },
      { step: 'finalizeRequest', name: 'ecspocCountAttempts', priority: 'low' },
    );
  }
}

/**
 * Resolves the region: the given one, else the AWS profile's (`~/.aws/config`), else a clear error.
 */
export async function resolveRegion(
  region: string | undefined,
  profile: string | undefined,
): Promise<string> {
  if (region) return region;
  const { STSClient } = await import('./sdk/sts.js');
  const probe = new STSClient(profile ? { profile } : {});
  try {
    return await probe.config.region();
  } catch (error) {
    throw new AwsError('REGION_MISSING', 'No AWS region is set.', {
      cause: error,
      suggestions: [
        'Pass --region eu-west-1, set AWS_REGION, or add "region:" to the ecspoc config file' +
          (profile ? ` or to profile "${profile}" in ~/.aws/config.` : '.'),
      ],
    });
  } finally {
    probe.destroy();
  }
}

/** Turns an SDK or network failure into an AwsError that says what to do next. */
export function toAwsError(error: unknown, what: string, settings: Partial<AwsSettings> = {}): AwsError {
  if (error instanceof AwsError) return error;
  const err = error as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err.name ?? 'Error';
  const message = err.message ?? String(error);
  const code = err.code ?? '';
  const endpoint = settings.endpointUrl ?? process.env.AWS_ENDPOINT_URL ?? 'the AWS endpoint';
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(name)) {
    return new AwsError('CREDENTIALS_MISSING', `No AWS credentials found (${what}).`, {
      cause: error,
      suggestions: [
        settings.profile
          ? `Check profile "${settings.profile}" in ~/.aws/config; for SSO run: aws sso login --profile ${settings.profile}`
          : 'Set AWS_PROFILE or pass --profile, run "aws sso login", or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
      ],
    });
  }
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code) ||
    name === 'TimeoutError'
  ) {
    return new AwsError('ENDPOINT_UNREACHABLE', `Cannot reach ${endpoint} (${code || name}) while ${what}.`, {
      cause: error,
      suggestions: ['Check --endpoint-url / AWS_ENDPOINT_URL and your network, then try again.'],
    });
  }
  if (
    [
      'InvalidClientTokenId',
      'UnrecognizedClientException',
      'SignatureDoesNotMatch',
      'ExpiredToken',
      'ExpiredTokenException',
    ].includes(name)
  ) {
    return new AwsError('CREDENTIALS_INVALID', `AWS rejected the credentials (${name}) while ${what}.`, {
      cause: error,
      suggestions: ['Refresh them (aws sso login, or new access keys) and try again.'],
    });
  }
  if (['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'].includes(name)) {
    return new AwsError('ACCESS_DENIED', `Access denied while ${what}: ${message}`, {
      cause: error,
      suggestions: [
        'Use a profile whose role allows this call (see "Running against a real account" in the README).',
      ],
    });
  }
  return new AwsError('AWS_CALL_FAILED', `AWS call failed while ${what}: ${name}: ${message}`, {
    cause: error,
  });
}
