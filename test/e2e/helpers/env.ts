/** The endpoint of the run's moto_server (set by global-setup). */
export function motoEndpoint(): string {
  const endpoint = process.env.ECSPOC_TEST_MOTO_ENDPOINT;
  if (!endpoint) throw new Error('ECSPOC_TEST_MOTO_ENDPOINT is not set: run the e2e project through jest.');
  return endpoint;
}

/** Environment variables that point the CLI and the SDK at moto. */
export function awsTestEnv(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** SDK client options for test code that sets up or inspects moto state directly. */
export function clientConfig(): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return {
    endpoint: motoEndpoint(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}
