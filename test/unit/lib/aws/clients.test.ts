import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from '@jest/globals';

import { AwsClients, toAwsError } from '../../../../src/lib/aws/clients.js';
import { ApiCallCounter } from '../../../../src/lib/aws/counter.js';

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

  it('counts operations once and HTTP attempts per retry', async () => {
    const counter = new ApiCallCounter();
    const clients = new AwsClients({ region: 'us-east-1', endpointUrl: 'http://127.0.0.1:9' }, counter);
    const sts = clients.client(STSClient);
    let attempts = 0;
    sts.middlewareStack.add(
      () => async () => {
        attempts += 1;
        if (attempts < 3)
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
    sts.config.credentials = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' });
    await sts.send(new GetCallerIdentityCommand({})).catch(() => undefined);
    const snapshot = counter.snapshot();
    expect(snapshot.operations['STS.GetCallerIdentity'].operations).toBe(1);
    expect(snapshot.operations['STS.GetCallerIdentity'].attempts).toBe(attempts);
    expect(attempts).toBeGreaterThan(1);
    clients.destroy();
  });
});

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
