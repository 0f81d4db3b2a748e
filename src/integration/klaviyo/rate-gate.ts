/**
 * Client-side rate gate: remembers, per operation, until when Klaviyo said its bucket is empty (a
 * `RateLimit-Remaining: 0` with its `RateLimit-Reset`, or a 429's `Retry-After`). A read on the request
 * path asked for meanwhile is not sent: it would only collect a 429, and its caller has a fallback.
 * Writes are paced by the outbox's lanes instead (they wait; reads cannot).
 *
 * It also counts the reads in flight (`begin`/`end`): when the last answer said only `remaining` calls
 * are left before `RateLimit-Reset` and that many reads are already on their way, one more would only
 * collect a 429, so it is not sent either. Without this, a burst of journeys all read at once on the
 * last tokens of a window and most of the harness's 429s were those reads.
 */
import type { RateInfo } from './bulk.ts';

export class RateGate {
  private readonly closedUntil = new Map<string, number>();
  /** The last answer's word on the bucket: calls left and when it refills. */
  private readonly budget = new Map<string, { remaining: number; resetAt: number }>();
  private readonly inFlight = new Map<string, number>();

  /** A gated call leaves now (pair with `end`). */
  begin(operation: string): void {
    this.inFlight.set(operation, (this.inFlight.get(operation) ?? 0) + 1);
  }

  end(operation: string): void {
    const n = (this.inFlight.get(operation) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(operation);
    else this.inFlight.set(operation, n);
  }

  /** What an answer said about the operation's bucket. */
  observe(operation: string, now: number, rate: RateInfo | undefined, retryAfterMs?: number): void {
    if (retryAfterMs !== undefined) this.close(operation, now + retryAfterMs);
    else if (rate && rate.remaining <= 0) this.close(operation, now + rate.resetMs);
    else if (rate) this.closedUntil.delete(operation);
    if (rate) this.budget.set(operation, { remaining: rate.remaining, resetAt: now + rate.resetMs });
  }

  /** ms until the operation's bucket refills by Klaviyo's word; 0 when it may be called. */
  closedFor(operation: string, now: number): number {
    const until = this.closedUntil.get(operation);
    if (until !== undefined) {
      if (until > now) return until - now;
      this.closedUntil.delete(operation);
    }
    const b = this.budget.get(operation);
    if (b === undefined) return 0;
    if (b.resetAt <= now) {
      this.budget.delete(operation);
      return 0;
    }
    return b.remaining - (this.inFlight.get(operation) ?? 0) <= 0 ? b.resetAt - now : 0;
  }

  private close(operation: string, until: number): void {
    this.closedUntil.set(operation, Math.max(this.closedUntil.get(operation) ?? 0, until));
  }
}
