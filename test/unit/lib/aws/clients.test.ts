import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from '@jest/globals';

import { AwsClients, toAwsError } from '../../../../src/lib/aws/clients.js';
import { ApiCallCounter } from '../../../../src/lib/aws/counter.js';
import { FAKE_CREDENTIALS, noDelayRetries } from '../../helpers/mock-sdk.js';

describe('AwsClients', () => {
  it('creates one configured client per class with the ecspoc user agent', async () => {
    const clients = new AwsClients(
      { region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:9' },
      new ApiCallCounter(),
    );
    const sts = clients.client(STSClient);
    expect(clients.client(STSClient)).toBe(sts);
    expect(await sts.config.region()).toBe('eu-west-1');
    expect(sts.config.customUserAgent).toEqual([[expect.stringMatching(/^ecspoc\/\d+\.\d+\.\d+$/)]]);
    clients.destroy();
  });

  it('counts operations once and HTTP attempts per retry, retrying a throttled call without waiting', async () => {
    const counter = new ApiCallCounter();
    const delays: number[] = [];
    const clients = new AwsClients({ region: 'us-east-1', endpointUrl: 'http://127.0.0.1:9' }, counter, {
      retryStrategy: () => noDelayRetries(5, delays),
    });
    const sts = clients.client(STSClient);
    const attempts = failingTransport(sts, 2);
    sts.config.credentials = async () => FAKE_CREDENTIALS;
    const output = await sts.send(new GetCallerIdentityCommand({}));
    expect(attempts()).toBe(3);
    // the SDK asked the injected strategy for a delay before each retry, and waited 0 ms in all
    expect(delays).toEqual([0, 0]);
    expect(output.$metadata).toMatchObject({ attempts: 3, totalRetryDelay: 0 });
    const snapshot = counter.snapshot();
    expect(snapshot.operations['STS.GetCallerIdentity'].operations).toBe(1);
    expect(snapshot.operations['STS.GetCallerIdentity'].attempts).toBe(attempts());
    expect(attempts()).toBeGreaterThan(1);
    clients.destroy();
  });

  it("gives up after the strategy's attempts, with the last throttling error", async () => {
    const delays: number[] = [];
    const clients = new AwsClients(
      { region: 'us-east-1', endpointUrl: 'http://127.0.0.1:9' },
      new ApiCallCounter(),
      {
        retryStrategy: () => noDelayRetries(2, delays),
      },
    );
    const sts = clients.client(STSClient);
    const attempts = failingTransport(sts, 5);
    sts.config.credentials = async () => FAKE_CREDENTIALS;
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { attempts: 2 },
    });
    expect(attempts()).toBe(2);
    expect(delays).toEqual([0]);
    clients.destroy();
  });

  it('keeps adaptive retries with 5 attempts when no strategy is injected', async () => {
    const saved = { mode: process.env.AWS_RETRY_MODE, max: process.env.AWS_MAX_ATTEMPTS };
    delete process.env.AWS_RETRY_MODE;
    delete process.env.AWS_MAX_ATTEMPTS;
    try {
      const clients = new AwsClients(
        { region: 'us-east-1', endpointUrl: 'http://127.0.0.1:9' },
        new ApiCallCounter(),
      );
      const sts = clients.client(STSClient);
      const strategy = (await sts.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe('adaptive');
      expect(await sts.config.maxAttempts()).toBe(5);
      clients.destroy();
    } finally {
      if (saved.mode !== undefined) process.env.AWS_RETRY_MODE = saved.mode;
      if (saved.max !== undefined) process.env.AWS_MAX_ATTEMPTS = saved.max;
    }
  });
});

/**
 * Replaces the HTTP transport of `client` with one that answers ThrottlingException (HTTP 400, as
 * ECS and CloudWatch Logs throttle) `failures` times, then succeeds; returns the attempt count.
 */
function failingTransport(client: STSClient, failures: number): () => number {
  let attempts = 0;
  client.middlewareStack.add(
    () => async () => {
      attempts += 1;
      if (attempts <= failures)
        throw Object.assign(new Error('throttled'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        });
      return {
        response: { statusCode: 200, headers: {}, body: undefined },
        output: { $metadata: {}, Account: '1' },
      };
    },
    { step: 'deserialize', name: 'fakeTransport', priority: 'low' } as never,
  );
  return () => attempts;
}

describe('toAwsError', () => {
  it.each([
    [
      { name: 'CredentialsProviderError', message: 'Could not load credentials from any providers' },
      'CREDENTIALS_MISSING',
    ],
    [{ name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'ENDPOINT_UNREACHABLE'],
    [{ name: 'ExpiredToken', message: 'expired' }, 'CREDENTIALS_INVALID'],
    [{ name: 'AccessDenied', message: 'no' }, 'ACCESS_DENIED'],
    [{ name: 'ValidationError', message: 'bad' }, 'AWS_CALL_FAILED'],
  ])('maps %p to %s with a suggestion', (thrown, code) => {
    const error = toAwsError(Object.assign(new Error(thrown.message), thrown), 'testing');
    expect(error.code).toBe(code);
    if (code !== 'AWS_CALL_FAILED') expect(error.suggestions.length).toBeGreaterThan(0);
  });
});
