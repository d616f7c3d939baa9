import {
  AccessDeniedException,
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  SessionStreamingException,
  SessionTimeoutException,
  StartLiveTailCommand,
  type LiveTailSessionLogEvent,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from '@jest/globals';

import { UsageError } from '../../../../src/lib/errors.js';
import { liveTail, liveTailProblem } from '../../../../src/lib/logs/live.js';
import type { TailDeps } from '../../../../src/lib/logs/tail.js';
import type { LogEvent, SelectedLogGroup, TailNotice } from '../../../../src/lib/logs/types.js';
import { FakeLogs } from './fake-logs.js';
import { mockSdk, resetSdkMocks, sdkClient } from '../../helpers/mock-sdk.js';

const logs = mockSdk(CloudWatchLogsClient);

const client = sdkClient(CloudWatchLogsClient);
const T0 = Date.UTC(2024, 4, 1, 12);
const arn = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;
const AGENT: SelectedLogGroup = {
  name: '/ecspoc/dev/instances/ecs-agent',
  arn: arn('/ecspoc/dev/instances/ecs-agent'),
  kind: 'instance',
  label: 'ecs-agent',
};
const SERVICE: SelectedLogGroup = {
  name: '/ecspoc/dev/tasks/404',
  arn: arn('/ecspoc/dev/tasks/404'),
  kind: 'task',
  label: '404',
};

/** A Live Tail response stream the test feeds item by item. */
class Session implements AsyncIterable<StartLiveTailResponseStream> {
  private readonly items: (StartLiveTailResponseStream | Error | 'end')[] = [];
  private wake: () => void = () => {};

  push(item: StartLiveTailResponseStream | Error | 'end'): this {
    this.items.push(item);
    this.wake();
    return this;
  }
  start(): this {
    return this.push({ sessionStart: { sessionId: 's-1', logGroupIdentifiers: [] } });
  }
  update(events: LiveTailSessionLogEvent[], sampled = false): this {
    return this.push({ sessionUpdate: { sessionMetadata: { sampled }, sessionResults: events } });
  }
  async *[Symbol.asyncIterator](): AsyncIterator<StartLiveTailResponseStream> {
    for (;;) {
      while (this.items.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const item = this.items.shift() as StartLiveTailResponseStream | Error | 'end';
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      yield item;
    }
  }
}

const live = (
  group: SelectedLogGroup,
  stream: string,
  timestamp: number,
  message: string,
): LiveTailSessionLogEvent => ({
  logGroupIdentifier: group.arn,
  logStreamName: stream,
  timestamp,
  ingestionTime: timestamp,
  message,
});

function harness(sessions: Session[], fake = new FakeLogs()) {
  let now = T0;
  const abort = new AbortController();
  const printed: LogEvent[] = [];
  const notices: TailNotice[] = [];
  const waits: number[] = [];
  let opened = 0;
  fake.groups.add(AGENT.name);
  fake.groups.add(SERVICE.name);
  logs.on(FilterLogEventsCommand).callsFake((input) => fake.filter(input));
  logs.on(StartLiveTailCommand).callsFake(async () => {
    const session = sessions[opened++];
    if (!session) throw new Error('no more sessions scripted');
    return { responseStream: session, $metadata: {} };
  });
  const deps: TailDeps = {
    client,
    clock: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    signal: abort.signal,
  };
  const sink = {
    events: (batch: LogEvent[]) => {
      printed.push(...batch);
      // Once everything scripted is printed, a test can end the session from here.
    },
    notice: (notice: TailNotice) => notices.push(notice),
  };
  return {
    deps,
    sink,
    abort,
    fake,
    printed,
    notices,
    waits,
    advance: (ms: number) => (now += ms),
    messages: () => printed.map((e) => e.message),
  };
}

/** Resolves once `check` holds (polled on the macrotask queue), so a test can script the next step. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!check()) throw new Error('condition never held');
}

const options = (groups: SelectedLogGroup[], filterPattern?: string) => ({
  groups,
  startTime: T0 - 600_000,
  follow: true,
  filterPattern,
});

describe('liveTail', () => {
  it('starts a session on the groups, prints what was there before it, then its lines, and ends on abort', async () => {
    const session = new Session().start();
    const h = harness([session]);
    h.fake.put(AGENT.name, 'i-1', T0 - 5_000, 'before ERROR');
    h.fake.put(AGENT.name, 'i-1', T0 - 4_000, 'filtered out');
    const done = liveTail(options([AGENT, SERVICE], 'ERROR'), h.deps, h.sink);
    await until(() => h.printed.length === 1);
    session.update([
      live(SERVICE, '404/web/t1', T0 + 100, 'during ERROR'),
      live(AGENT, 'i-2', T0 + 50, 'agent ERROR'),
    ]);
    await until(() => h.printed.length === 3);
    h.abort.abort();
    const result = await done;
    expect(result).toMatchObject({ interrupted: true, events: 3, polls: 1 });
    expect(h.messages()).toEqual(['before ERROR', 'agent ERROR', 'during ERROR']);
    expect(h.printed[2].source).toEqual({ kind: 'task', name: '404', id: 't1', container: 'web' });
    expect(h.notices[0]).toEqual({ type: 'live-started', groups: 2, sessionId: 's-1' });
    const input = logs.commandCalls(StartLiveTailCommand)[0].args[0].input;
    expect(input).toEqual({ logGroupIdentifiers: [AGENT.arn, SERVICE.arn], logEventFilterPattern: 'ERROR' });
  });

  it('prints a line that both the first read and the session return once, and identical lines as often as written', async () => {
    const session = new Session();
    const h = harness([session]);
    h.fake.put(AGENT.name, 'i-1', T0 - 1_000, 'bridged');
    h.fake.put(AGENT.name, 'i-1', T0 - 500, 'same');
    // The session delivers what it ingested while the first read ran (already printed), then a second
    // "same" line with the same timestamp, which really was written twice.
    session
      .start()
      .update([
        live(AGENT, 'i-1', T0 - 1_000, 'bridged'),
        live(AGENT, 'i-1', T0 - 500, 'same'),
        live(AGENT, 'i-1', T0 - 500, 'same'),
        live(AGENT, 'i-1', T0 + 10, 'new'),
      ]);
    const done = liveTail(options([AGENT]), h.deps, h.sink);
    await until(() => h.printed.length >= 4);
    h.abort.abort();
    await done;
    expect(h.messages()).toEqual(['bridged', 'same', 'same', 'new']);
  });

  it('filters streams in the session for one group, and itself for several', async () => {
    const one = new Session().start().update([live(AGENT, 'i-1', T0, 'mine')]);
    const h1 = harness([one]);
    const done1 = liveTail(options([{ ...AGENT, streamNames: ['i-1'] }]), h1.deps, h1.sink);
    await until(() => h1.printed.length === 1);
    h1.abort.abort();
    await done1;
    expect(logs.commandCalls(StartLiveTailCommand)[0].args[0].input.logStreamNames).toEqual(['i-1']);

    resetSdkMocks();
    const two = new Session()
      .start()
      .update([
        live(AGENT, 'i-1', T0, 'mine'),
        live(AGENT, 'i-9', T0, 'not mine'),
        live(SERVICE, '404/web/t', T0, 'task'),
      ]);
    const h2 = harness([two]);
    const done2 = liveTail(options([{ ...AGENT, streamNames: ['i-1'] }, SERVICE]), h2.deps, h2.sink);
    await until(() => h2.printed.length === 2);
    h2.abort.abort();
    await done2;
    expect(h2.messages()).toEqual(['mine', 'task']);
    expect(logs.commandCalls(StartLiveTailCommand)[0].args[0].input.logStreamNames).toBeUndefined();
  });

  it('says when the session samples lines', async () => {
    const session = new Session().start().update([live(AGENT, 'i-1', T0, 'a')], true);
    const h = harness([session]);
    const done = liveTail(options([AGENT]), h.deps, h.sink);
    await until(() => h.printed.length === 1);
    h.abort.abort();
    await done;
    expect(h.notices).toContainEqual({ type: 'live-sampled' });
  });

  it('reopens a session that times out, bridging the gap without repeating a line', async () => {
    const first = new Session().start().update([live(AGENT, 'i-1', T0 + 1_000, 'in first session')]);
    const second = new Session();
    const h = harness([first, second]);
    const done = liveTail(options([AGENT]), h.deps, h.sink);
    await until(() => h.printed.length === 1);
    // What the first session printed is also in the group, plus a line written between the sessions.
    h.fake.put(AGENT.name, 'i-1', T0 + 1_000, 'in first session');
    h.fake.put(AGENT.name, 'i-1', T0 + 2_000, 'between sessions');
    h.advance(10_000);
    first.push(new SessionTimeoutException({ message: 'three hours', $metadata: {} }));
    second.start(); // the bridge runs once the new session has started
    await until(() => h.printed.length === 2);
    second.update([live(AGENT, 'i-1', T0 + 3_000, 'in second session')]);
    await until(() => h.printed.length === 3);
    h.abort.abort();
    const result = await done;
    expect(h.messages()).toEqual(['in first session', 'between sessions', 'in second session']);
    expect(result.polls).toBe(2);
    expect(h.notices).toContainEqual({
      type: 'live-restarting',
      reason: 'the session reached its three-hour limit',
    });
  });

  it('reopens a session that ends, and one that reports the timeout as a stream item', async () => {
    const first = new Session().start().push('end');
    const second = new Session()
      .start()
      .push({ SessionTimeoutException: new SessionTimeoutException({ message: 'x', $metadata: {} }) });
    const third = new Session().start().update([live(AGENT, 'i-1', T0, 'third')]);
    const h = harness([first, second, third]);
    const done = liveTail(options([AGENT]), h.deps, h.sink);
    await until(() => h.printed.length === 1);
    h.abort.abort();
    await done;
    expect(logs.commandCalls(StartLiveTailCommand)).toHaveLength(3);
    expect(
      h.notices.filter((n) => n.type === 'live-restarting').map((n) => (n as { reason: string }).reason),
    ).toEqual([
      'the session ended',
      'reopened the Live Tail session',
      'the session reached its three-hour limit',
      'reopened the Live Tail session',
    ]);
  });

  it('gives up after sessions fail again and again, with a way out', async () => {
    const failing = () =>
      new Session().start().push(new SessionStreamingException({ message: 'broken', $metadata: {} }));
    const h = harness([failing(), failing(), failing()]);
    const error = await liveTail(options([AGENT]), h.deps, h.sink).catch((e: unknown) => e);
    expect(error).toMatchObject({
      suggestions: expect.arrayContaining([expect.stringContaining('Drop --live')]),
    });
    expect(h.waits).toEqual([1_000, 2_000]);
  });

  it('explains a refused session and suggests polling instead', async () => {
    const h = harness([]);
    logs
      .on(StartLiveTailCommand)
      .rejects(new AccessDeniedException({ message: 'not allowed', $metadata: {} }));
    const error = await liveTail(options([AGENT]), h.deps, h.sink).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'ACCESS_DENIED',
      suggestions: expect.arrayContaining(['Drop --live to follow by polling with FilterLogEvents.']),
    });
  });

  it('refuses more than 10 groups, or a group without an ARN', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ ...AGENT, name: `g${i}`, arn: arn(`g${i}`) }));
    expect(liveTailProblem(many)).toContain('at most 10');
    expect(liveTailProblem([{ ...AGENT, arn: undefined }])).toContain('ARN');
    expect(liveTailProblem([AGENT])).toBeUndefined();
    const h = harness([]);
    await expect(liveTail(options(many), h.deps, h.sink)).rejects.toBeInstanceOf(UsageError);
    expect(logs.commandCalls(StartLiveTailCommand)).toHaveLength(0);
  });

  it('ends cleanly when aborted before the session has started', async () => {
    const session = new Session();
    const h = harness([session]);
    const done = liveTail(options([AGENT]), h.deps, h.sink);
    await until(() => logs.commandCalls(StartLiveTailCommand).length === 1);
    h.abort.abort();
    expect(await done).toMatchObject({ interrupted: true, events: 0 });
  });
});
