/**
 * When to try a deferred message again, and when to give up. Exponential backoff from
 * `initialMs`, doubling up to `maxIntervalMs`, for at most `retryForMs` counted from the moment
 * the message was accepted; the last attempt happens at that deadline, not before or after it.
 */
export interface RetryPolicyOptions {
  initialMs: number;
  maxIntervalMs: number;
  retryForMs: number;
}

export const DEFAULT_RETRY: RetryPolicyOptions = {
  initialMs: 60_000,
  maxIntervalMs: 60 * 60_000,
  retryForMs: 2 * 24 * 60 * 60_000,
};

export class RetryPolicy {
  constructor(readonly options: RetryPolicyOptions = DEFAULT_RETRY) {}

  /** The moment after which a still-deferred recipient fails for good. */
  deadline(createdAt: Date): number {
    return createdAt.getTime() + this.options.retryForMs;
  }

  /** True when a temporary failure at `now` must be turned into a permanent one. */
  expired(createdAt: Date, now: number): boolean {
    return now >= this.deadline(createdAt);
  }

  /** The next attempt after `attempts` passes have failed temporarily. */
  nextAttempt(createdAt: Date, attempts: number, now: number): number {
    const { initialMs, maxIntervalMs } = this.options;
    const delay = Math.min(maxIntervalMs, initialMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
    const deadline = this.deadline(createdAt);
    // A final attempt at the deadline itself, unless the deadline has passed already (reports owed).
    return deadline > now ? Math.min(now + delay, deadline) : now + delay;
  }
}

/** Human form of a duration, for messages ("2 days", "30 minutes"). */
export function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  }
  return `${ms} ms`;
}
