import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';

import { clientConfig } from './env.js';

/** One event the producer wrote, as it should come back. */
export interface ProducedEvent {
  group: string;
  stream: string;
  timestamp: number;
  message: string;
}

/** One writer of `writeConcurrently`: `count` events to one stream, in batches. */
export interface Writer {
  group: string;
  stream: string;
  count: number;
  /** Events per PutLogEvents call (default 100, at most 10,000). */
  batchSize?: number;
  /** Timestamp of event `i` (default: the time it is written). Equal values give identical timestamps. */
  timestamp?: (i: number) => number;
  /** Message of event `i` (default `<stream> #<i>`, unique per writer). */
  message?: (i: number) => string;
  /** Pause between batches, to spread the writes over time (default 0). */
  pauseMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Plays the CloudWatch agent and the awslogs driver for the end-to-end tests: creates log groups and
 * streams in moto and writes events with chosen timestamps, from several concurrent writers if asked.
 * Everything written is kept in `written`, so a test can compare it with what the CLI printed.
 */
export class LogProducer {
  readonly written: ProducedEvent[] = [];
  private readonly groups = new Set<string>();
  private readonly streams = new Set<string>();

  constructor(readonly client = new CloudWatchLogsClient(clientConfig())) {}

  /** Creates a log group unless this producer already did. */
  async group(name: string): Promise<void> {
    if (this.groups.has(name)) return;
    await this.client.send(new CreateLogGroupCommand({ logGroupName: name })).catch((error: Error) => {
      if (error.name !== 'ResourceAlreadyExistsException') throw error;
    });
    this.groups.add(name);
  }

  /** Creates a log stream (and its group) unless this producer already did. */
  async stream(group: string, stream: string): Promise<void> {
    const key = `${group}\u0000${stream}`;
    if (this.streams.has(key)) return;
    await this.group(group);
    await this.client
      .send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))
      .catch((error: Error) => {
        if (error.name !== 'ResourceAlreadyExistsException') throw error;
      });
    this.streams.add(key);
  }

  /** Writes events to one stream (batched, each batch in timestamp order) and records them. */
  async write(
    group: string,
    stream: string,
    events: { timestamp: number; message: string }[],
    batchSize = 10_000,
  ): Promise<ProducedEvent[]> {
    await this.stream(group, stream);
    const produced: ProducedEvent[] = [];
    for (let i = 0; i < events.length; i += batchSize) {
      const batch = events.slice(i, i + batchSize).sort((a, b) => a.timestamp - b.timestamp);
      await this.client.send(
        new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: batch }),
      );
      for (const event of batch) produced.push({ group, stream, ...event });
    }
    this.written.push(...produced);
    return produced;
  }

  /** Runs the writers at the same time; resolves with everything they wrote. */
  async writeConcurrently(writers: Writer[]): Promise<ProducedEvent[]> {
    for (const writer of writers) await this.stream(writer.group, writer.stream);
    const results = await Promise.all(
      writers.map(async (writer) => {
        const produced: ProducedEvent[] = [];
        const batchSize = writer.batchSize ?? 100;
        for (let start = 0; start < writer.count; start += batchSize) {
          const now = Date.now();
          const events = [];
          for (let i = start; i < Math.min(writer.count, start + batchSize); i++) {
            events.push({
              timestamp: writer.timestamp ? writer.timestamp(i) : now,
              message: writer.message ? writer.message(i) : `${writer.stream} #${i}`,
            });
          }
          produced.push(...(await this.write(writer.group, writer.stream, events, batchSize)));
          if (writer.pauseMs) await sleep(writer.pauseMs);
        }
        return produced;
      }),
    );
    return results.flat();
  }

  /** Closes the client. */
  destroy(): void {
    this.client.destroy();
  }
}
