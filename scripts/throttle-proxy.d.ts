/** The rig's throttling proxy in front of moto_server (see throttle-proxy.js). */
export interface ThrottleProxy {
  endpoint: string;
  /** FilterLogEvents calls passed and throttled, other calls passed. */
  stats: { passed: number; throttled: number; other: number };
  stop(): Promise<void>;
}
export function startThrottleProxy(target: string, options?: { rate?: number }): Promise<ThrottleProxy>;
