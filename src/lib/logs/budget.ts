import type { Sleep } from './types.js';

/**
 * Added to every wait for a token, at first. Timers fire up to a millisecond early, clocks tick in
 * whole milliseconds and the service's bucket runs on its own clock, behind ours by the network's
 * delay and its jitter: a call timed to the instant this bucket has a token can reach the service's a
 * hair before it has one. The slack is spent once per burst (the wait for a full bucket wastes its
 * refill, and the burst's last call is that much later), so it is kept small until the service says
 * it is too small: each throttle doubles it, up to MAX_SLACK_MS, for the rest of the run. Against the
 * rig's throttling proxy on a quiet machine 25 ms met no throttle; on a busy one 40 ms did not either,
 * while 10 and 25 ms met one now and then: a throttle or two, then the slack that suits.
 */
export const SLACK_MS = 25;

/**
 * The most the slack grows to after throttles, in ms. Throttles also come from others spending the
 * account's quota, which no slack cures (the halved rate does), so it must not keep growing with
 * them: each ms of it is added to the waits of a follow that is already slowed down. 50 ms is past
 * the 40 that met no throttle of the rig's own timing.
 */
export const MAX_SLACK_MS = 50;

/** The default FilterLogEvents budget in calls per second: AWS's quota in several regions, shared by the account. */
export const DEFAULT_MAX_RATE = 5;

/**
 * One FilterLogEvents budget for every group a tail reads: a token bucket holding one second of calls
 * (`rate` tokens) and refilled at `rate` a second, which is how AWS applies its request quotas (the ECS
 * and EC2 API throttling guides: the bucket's capacity is the burst allowed in one second, its refill
 * rate the sustained rate), and CloudWatch Logs states its quotas as transactions per second
 * per account and region (FilterLogEvents: 5/s in several regions, 10 or 25 in others). So a backfill
 * of up to `rate` groups starts all of them at once, and over any span T no more than
 * `rate × (1 + T/1 s)` calls go out: what such a bucket admits. The quota is shared by every caller
 * of the account, so a throttled call is also a sign that someone else spends it: the rate halves on
 * throttling (never below `floor`) and climbs back by a tenth of the ceiling per successful call
 * (additive increase, multiplicative decrease).
 */
export class RateBudget {
  private tokens: number;
  private rate: number;
  private refilledAt: number;
  private slack = SLACK_MS;

  constructor(
    readonly maxRate: number = DEFAULT_MAX_RATE,
    private readonly clock: () => number = Date.now,
    private readonly floor = Math.min(0.5, maxRate),
  ) {
    this.rate = maxRate;
    this.tokens = Math.max(1, maxRate);
    this.refilledAt = clock();
  }

  /** The rate the budget currently allows, in calls per second. */
  get currentRate(): number {
    return this.rate;
  }

  /** What is added to each wait for a token now, in ms (SLACK_MS, doubled by each throttle). */
  get slackMs(): number {
    return this.slack;
  }

  /** How many calls the bucket can hold: one second of calls at the current rate. */
  get capacity(): number {
    return Math.max(1, this.rate);
  }

  /**
   * How long until the bucket holds `calls` calls (or is full, when it cannot hold that many), in ms:
   * a caller that saves up before a burst of calls spends them together instead of one by one.
   */
  msUntil(calls: number): number {
    this.refill(this.clock());
    const wanted = Math.min(calls, this.capacity);
    return this.tokens >= wanted ? 0 : Math.ceil(((wanted - this.tokens) / this.rate) * 1_000) + this.slack;
  }

  /** Reserves one call; resolves with how long the caller must wait before making it (ms). */
  reserve(): number {
    this.refill(this.clock());
    // Below one token the bucket goes into debt: reservations queue up in the order they were made.
    const wait = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1_000) + this.slack;
    this.tokens -= 1;
    return wait;
  }

  /** Waits until a reserved call may go. */
  async acquire(sleep: Sleep, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait, signal);
  }

  /** The service throttled a call: halve the rate, spend what is left of the bucket, widen the slack. */
  throttled(): void {
    this.refill(this.clock());
    this.slack = Math.min(MAX_SLACK_MS, this.slack * 2);
    this.rate = Math.max(this.floor, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  /** A call went through: let the rate climb back towards the ceiling. */
  succeeded(): void {
    this.rate = Math.min(this.maxRate, this.rate + this.maxRate / 10);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    // The bucket holds one second of calls at the current rate: a burst after an idle spell, no more.
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1_000) * this.rate);
  }
}
