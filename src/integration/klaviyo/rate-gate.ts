/**
 * Client-side rate gate: remembers, per operation, until when Klaviyo said its bucket is empty (a
 * `RateLimit-Remaining: 0` with its `RateLimit-Reset`, or a 429's `Retry-After`). A read on the request
 * path asked for meanwhile is not sent: it would only collect a 429, and its caller has a fallback.
 * Writes are paced by the outbox's lanes instead (they wait; reads cannot).
 */
import type { RateInfo } from './bulk.ts';

export class RateGate {
  private readonly closedUntil = new Map<string, number>();

  /** What an answer said about the operation's bucket. */
  observe(operation: string, now: number, rate: RateInfo | undefined, retryAfterMs?: number): void {
    if (retryAfterMs !== undefined) this.close(operation, now + retryAfterMs);
    else if (rate && rate.remaining <= 0) this.close(operation, now + rate.resetMs);
    else if (rate) this.closedUntil.delete(operation);
  }

  /** ms until the operation's bucket refills by Klaviyo's word; 0 when it may be called. */
  closedFor(operation: string, now: number): number {
    const until = this.closedUntil.get(operation);
    if (until === undefined) return 0;
    if (until <= now) {
      this.closedUntil.delete(operation);
      return 0;
    }
    return until - now;
  }

  private close(operation: string, until: number): void {
    this.closedUntil.set(operation, Math.max(this.closedUntil.get(operation) ?? 0, until));
  }
}
