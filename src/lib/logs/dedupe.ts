/**
 * Event ids already printed, each with its timestamp, so a poll that overlaps the previous one prints
 * nothing twice. Memory stays bounded: ids older than the next poll's start are forgotten, because no
 * later poll can return them.
 */
export class SeenEvents {
  private readonly ids = new Map<string, number>();

  /** Records an id; false when it was already recorded (a repeat). */
  add(key: string, timestamp: number): boolean {
    if (this.ids.has(key)) return false;
    this.ids.set(key, timestamp);
    return true;
  }

  /** Forgets every id whose timestamp is before `cutoff`. */
  forgetBefore(cutoff: number): void {
    for (const [key, timestamp] of this.ids) if (timestamp < cutoff) this.ids.delete(key);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.ids.size;
  }
}

/**
 * How far back each poll must reach. An event becomes visible to FilterLogEvents some time after its
 * timestamp (agent batching, ingestion, clock skew between writers and this machine). A poll that
 * finds an event older than the start of the previous poll has measured that lateness; the look-back
 * grows to twice the largest lateness seen in the last few minutes (at least `baseMs`, at most
 * `maxMs`), so the next late event still falls inside the window.
 */
export class LookbackWindow {
  private current = 0;
  private previous = 0;
  private bucketStart: number;

  constructor(
    readonly baseMs = 5_000,
    readonly maxMs = 120_000,
    private readonly bucketMs = 150_000,
    now = 0,
  ) {
    this.bucketStart = now;
  }

  /** Records that an event with this timestamp was new in a poll that followed one started at `previousPollStart`. */
  observe(previousPollStart: number, timestamp: number, now: number): void {
    this.rotate(now);
    const lateness = previousPollStart - timestamp;
    if (lateness > this.current) this.current = lateness;
  }

  /** The look-back in milliseconds. */
  ms(now: number): number {
    this.rotate(now);
    const worst = Math.max(this.current, this.previous);
    return Math.min(this.maxMs, Math.max(this.baseMs, 2 * worst + 1_000));
  }

  private rotate(now: number): void {
    while (now - this.bucketStart >= this.bucketMs) {
      this.previous = this.current;
      this.current = 0;
      this.bucketStart += this.bucketMs;
      if (now - this.bucketStart >= 2 * this.bucketMs) {
        this.previous = 0;
        this.bucketStart = now;
      }
    }
  }
}

/**
 * Lines printed recently, by content (group, stream, timestamp, message), counted: Live Tail events
 * carry no event id, so where a Live Tail session and a FilterLogEvents read overlap, a line seen by
 * both is recognised by its content. Entries are forgotten `ttlMs` after they were recorded.
 */
export class RecentLines {
  /** For each key, when each unconsumed copy was recorded, oldest first. */
  private readonly copies = new Map<string, number[]>();
  private readonly order: { key: string; at: number }[] = [];
  private head = 0;
  private count = 0;

  constructor(private readonly ttlMs = 60_000) {}

  /** The content key of a line. */
  static key(group: string, stream: string, timestamp: number, message: string): string {
    return `${group}\u0000${stream}\u0000${timestamp}\u0000${message}`;
  }

  /** Records one printed line. */
  add(key: string, now: number): void {
    const times = this.copies.get(key);
    if (times) times.push(now);
    else this.copies.set(key, [now]);
    this.order.push({ key, at: now });
    this.count += 1;
  }

  /** Consumes one recorded copy of `key`; true when there was one (the line was already printed). */
  take(key: string): boolean {
    const times = this.copies.get(key);
    if (!times) return false;
    times.shift();
    if (times.length === 0) this.copies.delete(key);
    this.count -= 1;
    return true;
  }

  /** Forgets copies recorded more than the time-to-live ago. */
  expire(now: number): void {
    while (this.head < this.order.length && now - this.order[this.head].at > this.ttlMs) {
      const { key, at } = this.order[this.head++];
      const times = this.copies.get(key);
      if (times && times[0] === at) {
        times.shift();
        if (times.length === 0) this.copies.delete(key);
        this.count -= 1;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /** How many unconsumed copies are remembered. */
  get size(): number {
    return this.count;
  }
}
