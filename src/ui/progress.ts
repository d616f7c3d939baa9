import { paint } from './style.js';
import { colourEnabled, isLiveTerminal } from './terminal.js';

/** One line of work on screen: a stack, a batch, an instance. */
export interface ProgressTask {
  /** The current detail (latest resource event, tasks left…). */
  update(detail: string): void;
  succeed(summary?: string): void;
  fail(summary: string): void;
  skip(summary: string): void;
}

/** A live view of several tasks known up front, drawn by listr2 on a TTY and as plain lines otherwise. */
export interface Progress {
  task(key: string): ProgressTask;
  /** A line that is not about one task (a warning, a summary). */
  note(line: string): void;
  /** Waits for the display to finish drawing; call after every task has ended. */
  close(): Promise<void>;
}

/** How a renderer is chosen: nothing under `--json`, listr2 when `stream` is a TTY, plain lines otherwise. */
export interface ProgressOptions {
  json: boolean;
  stream?: NodeJS.WriteStream;
  /** Plain mode prefixes lines with this clock's ISO time; injectable for tests. */
  now?: () => Date;
}

/** Creates the progress display for `tasks` (key and title, in display order). */
export async function createProgress(
  tasks: Array<{ key: string; title: string }>,
  options: ProgressOptions,
): Promise<Progress> {
  const stream = options.stream ?? process.stderr;
  if (options.json) return new SilentProgress();
  if (isLiveTerminal(stream)) return ListrProgress.start(tasks, stream);
  return new PlainProgress(tasks, stream, options.now ?? (() => new Date()));
}

const noopTask: ProgressTask = { update() {}, succeed() {}, fail() {}, skip() {} };

class SilentProgress implements Progress {
  task(): ProgressTask {
    return noopTask;
  }
  note(): void {}
  async close(): Promise<void> {}
}

/** Timestamped lines on stderr, one per change; repeated details are not repeated. */
export class PlainProgress implements Progress {
  private readonly titles = new Map<string, string>();
  private readonly last = new Map<string, string>();

  constructor(
    tasks: Array<{ key: string; title: string }>,
    private readonly stream: NodeJS.WritableStream,
    private readonly now: () => Date,
  ) {
    for (const { key, title } of tasks) this.titles.set(key, title);
  }

  task(key: string): ProgressTask {
    const title = this.titles.get(key) ?? key;
    const line = (text: string) => {
      if (this.last.get(key) === text) return;
      this.last.set(key, text);
      this.stream.write(`${this.now().toISOString().slice(11, 19)} ${title}: ${text}\n`);
    };
    return {
      update: (detail) => line(detail),
      succeed: (summary) => line(summary ?? 'done'),
      fail: (summary) => line(`FAILED ${summary}`),
      skip: (summary) => line(`skipped: ${summary}`),
    };
  }

  note(text: string): void {
    this.stream.write(`${this.now().toISOString().slice(11, 19)} ${text}\n`);
  }

  async close(): Promise<void> {}
}

interface Settled {
  resolve: () => void;
  reject: (error: Error) => void;
  listrTask?: { title: string; output?: string; skip: (message?: string) => void };
  pending: Array<(task: NonNullable<Settled['listrTask']>) => void>;
}

/** listr2's default renderer, driven from outside: each task ends when its handle says so. */
class ListrProgress implements Progress {
  private constructor(
    private readonly handles: Map<string, Settled>,
    private readonly titles: Map<string, string>,
    private readonly run: Promise<unknown>,
    private readonly stream: NodeJS.WriteStream,
  ) {}

  static async start(
    tasks: Array<{ key: string; title: string }>,
    stream: NodeJS.WriteStream,
  ): Promise<Progress> {
    const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
    const handles = new Map<string, Settled>();
    const titles = new Map(tasks.map(({ key, title }) => [key, title]));
    const list = new Listr(
      tasks.map(({ key, title }) => ({
        title,
        task: (_ctx: unknown, listrTask: NonNullable<Settled['listrTask']>) =>
          new Promise<void>((resolve, reject) => {
            const handle = handles.get(key) as Settled;
            handle.resolve = resolve;
            handle.reject = reject;
            handle.listrTask = listrTask;
            for (const apply of handle.pending.splice(0)) apply(listrTask);
          }),
      })),
      {
        concurrent: true,
        exitOnError: false,
        renderer: 'default',
        rendererOptions: {
          collapseErrors: false,
          outputBar: 1,
          // listr2 draws on stdout by default; progress belongs on the stream we were given.
          logger: new ListrLogger({
            useIcons: true,
            toStderr: [],
            processOutput: new ProcessOutput(stream, stream),
          }),
        },
        fallbackRendererCondition: false,
        silentRendererCondition: false,
        // listr2 would pick its renderer from stdout's TTY state; the caller chose from `stream`.
        forceTTY: true,
        // Commands decide what Ctrl-C means (stop starting new work, say what still runs).
        registerSignalListeners: false,
        forceColor: colourEnabled(stream),
      } as never,
    );
    for (const { key } of tasks) handles.set(key, { resolve: () => {}, reject: () => {}, pending: [] });
    const run = list.run().catch(() => undefined);
    return new ListrProgress(handles, titles, run, stream);
  }

  task(key: string): ProgressTask {
    const handle = this.handles.get(key);
    if (!handle) return noopTask;
    const title = this.titles.get(key) ?? key;
    const withTask = (apply: (task: NonNullable<Settled['listrTask']>) => void) => {
      if (handle.listrTask) apply(handle.listrTask);
      else handle.pending.push(apply);
    };
    return {
      update: (detail) => withTask((task) => (task.output = detail)),
      succeed: (summary) =>
        withTask((task) => {
          task.title = summary ? `${title}: ${summary}` : title;
          handle.resolve();
        }),
      fail: (summary) => withTask(() => handle.reject(new Error(`${title}: ${summary}`))),
      skip: (summary) =>
        withTask((task) => {
          task.skip(`${title}: ${summary}`);
          handle.resolve();
        }),
    };
  }

  note(text: string): void {
    this.stream.write(paint('dim', text, this.stream) + '\n');
  }

  async close(): Promise<void> {
    await this.run;
  }
}
