import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { startThrottleProxy, type ThrottleProxy } from '../../scripts/throttle-proxy.js';
import { spawnCli } from './helpers/cli.js';
import { clientConfig, motoEndpoint } from './helpers/env.js';
import { LogProducer } from './helpers/log-producer.js';

// AWS allows FilterLogEvents 5 times a second per account in several regions; the proxy in front of
// moto enforces that, answering the excess with ThrottlingException as CloudWatch Logs does.
const RATE = 5;
const GROUPS = 8;
const producer = new LogProducer();
let proxy: ThrottleProxy;

beforeAll(async () => {
  proxy = await startThrottleProxy(motoEndpoint(), { rate: RATE });
});
afterAll(async () => {
  producer.destroy();
  await proxy.stop();
});

interface JsonLine {
  timestamp: string;
  group: string;
  stream: string;
  message: string;
}

describe('ecspoc logs tail --follow of 8 groups under a 5/s FilterLogEvents quota', () => {
  it('loses, repeats and reorders nothing while the producer writes to every group', async () => {
    const env = 'quota';
    const groups = Array.from({ length: GROUPS }, (_, i) => `/ecspoc/${env}/tasks/svc${i}`);
    const before = [];
    for (const group of groups)
      before.push(
        ...(await producer.write(group, `svc/app/t${group.slice(-1)}`, [
          { timestamp: Date.now() - 2_000, message: 'before the follow' },
        ])),
      );

    const child = spawnCli(
      [
        'logs',
        'tail',
        '--env',
        env,
        '--tasks',
        '--follow',
        '--json',
        '--since',
        '1m',
        '--max-rate',
        String(RATE),
      ],
      // Adaptive SDK retries would hide the throttling from the engine; the engine's own budget must cope.
      { env: { AWS_ENDPOINT_URL: proxy.endpoint, AWS_MAX_ATTEMPTS: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const lines = () => stdout.split('\n').filter(Boolean);
    const waitFor = async (check: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      return check();
    };
    // The first read has printed what was there before: following has begun.
    expect(await waitFor(() => lines().length >= GROUPS, 30_000)).toBe(true);

    // Someone else in the account spends part of the same quota, about twice a second, so the CLI
    // meets throttling and must back off without losing anything.
    const other = new CloudWatchLogsClient({ ...clientConfig(), endpoint: proxy.endpoint, maxAttempts: 1 });
    let competing = true;
    const competitor = (async () => {
      while (competing) {
        await other
          .send(new FilterLogEventsCommand({ logGroupName: groups[0], limit: 1 }))
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 450));
      }
    })();

    // Every group gets a few events about every 300 ms for 8 s, each stamped when it is written.
    const written = await producer.writeConcurrently(
      groups.map((group) => ({
        group,
        stream: `svc/app/t${group.slice(-1)}`,
        count: 75,
        batchSize: 3,
        pauseMs: 300,
      })),
    );
    written.push(...before);
    expect(await waitFor(() => lines().length >= written.length, 30_000)).toBe(true);
    // A little longer: a repeat would show up now.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    competing = false;
    await competitor;
    other.destroy();
    child.kill('SIGINT');
    expect(await exited).toBe(130);

    const printed = lines().map((line) => JSON.parse(line) as JsonLine);
    const keys = printed.map((e) => `${e.group} ${e.message}`);
    expect(new Set(keys).size).toBe(keys.length); // nothing twice
    expect([...keys].sort()).toEqual(written.map((e) => `${e.group} ${e.message}`).sort()); // nothing lost
    const times = printed.map((e) => Date.parse(e.timestamp));
    const outOfOrder = times.filter((t, i) => i > 0 && t < times[i - 1]);
    expect(outOfOrder).toEqual([]); // in time order across groups
    // The quota was really in force: calls were throttled, and the CLI said so on stderr.
    expect(proxy.stats.throttled).toBeGreaterThan(0);
    expect(stderr).toMatch(/throttl/i);
  }, 120_000);
});
