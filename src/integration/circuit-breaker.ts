/**
 * A circuit breaker on the injected Clock. Closed: requests flow and consecutive transient failures are
 * counted. After `failureThreshold` of them it opens: nobody calls Klaviyo for `openMs` (doubling on each
 * failed probe, up to `maxOpenMs`), so queued events wait instead of burning their retries. Then it is
 * half-open: exactly one probe may go; success closes it, failure opens it again.
 */
import type { Clock } from '../../lib/clock.ts';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold?: number;
  openMs?: number;
  maxOpenMs?: number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** Clock time the breaker allows a probe, when open. */
  openUntil: number | null;
  timesOpened: number;
}

export class CircuitBreaker {
  private stateValue: BreakerState = 'closed';
  private failures = 0;
  private openUntilMs = 0;
  private currentOpenMs: number;
  private probeInFlight = false;
  private opened = 0;
  private readonly threshold: number;
  private readonly baseOpenMs: number;
  private readonly maxOpenMs: number;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly clock: Clock,
    options: BreakerOptions = {},
  ) {
    // Default 3 = the seeds' attempts: one job exhausting its retries is enough to open the circuit.
    this.threshold = options.failureThreshold ?? 3;
    this.baseOpenMs = options.openMs ?? 5_000;
    this.maxOpenMs = options.maxOpenMs ?? 60_000;
    this.currentOpenMs = this.baseOpenMs;
  }

  get state(): BreakerState {
    if (this.stateValue === 'open' && this.clock.now() >= this.openUntilMs) this.stateValue = 'half-open';
    return this.stateValue;
  }

  /** Milliseconds until a probe is allowed (0 unless open). */
  msUntilProbe(): number {
    return this.state === 'open' ? Math.max(0, this.openUntilMs - this.clock.now()) : 0;
  }

  /** May a request go now? In half-open state this reserves the single probe slot. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open') return false;
    if (this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /**
   * Which opening of the circuit we are in (the number of times it has opened). A caller takes it when
   * its request goes out and hands it back with the failure, so a failure that started before the
   * latest opening — old news about an outage already known — cannot re-open a half-open circuit.
   */
  get epoch(): number {
    return this.opened;
  }

  /** Without reserving anything: would a request be allowed? */
  get allowsTraffic(): boolean {
    const s = this.state;
    return s === 'closed' || (s === 'half-open' && !this.probeInFlight);
  }

  recordSuccess(): void {
    const wasClosed = this.stateValue === 'closed';
    this.failures = 0;
    this.probeInFlight = false;
    this.stateValue = 'closed';
    this.currentOpenMs = this.baseOpenMs;
    if (!wasClosed) this.emit();
  }

  /**
   * Count a transient failure (429/5xx/network). Permanent 4xx say nothing about Klaviyo's health.
   * `sentInEpoch`: the `epoch` when the failed request went out; older than now means it is stale.
   */
  recordFailure(sentInEpoch: number = this.opened): void {
    if (sentInEpoch !== this.opened) return;
    this.failures++;
    const s = this.state;
    if (s === 'half-open') {
      this.probeInFlight = false;
      this.currentOpenMs = Math.min(this.currentOpenMs * 2, this.maxOpenMs);
      this.open();
    } else if (s === 'closed' && this.failures >= this.threshold) {
      this.open();
    }
  }

  /** Release a probe slot that was acquired but not used. */
  release(): void {
    if (this.probeInFlight) {
      this.probeInFlight = false;
      this.emit();
    }
  }

  /** Called on every transition back towards traffic (close), so waiting workers wake up. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    return {
      state,
      consecutiveFailures: this.failures,
      openUntil: state === 'open' ? this.openUntilMs : null,
      timesOpened: this.opened,
    };
  }

  private open(): void {
    this.stateValue = 'open';
    this.opened++;
    this.openUntilMs = this.clock.now() + this.currentOpenMs;
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
