/**
 * What the runner needs from "the system under test": the Dream Flow API, the clock it runs on, and
 * read-outs of the integration's instrumentation, outbox, cache and the Klaviyo mock. The in-process
 * stack (msw + virtual clock) and the HTTP stack (running servers, real time) both provide this.
 */

import type { Clock } from '../../lib/clock.ts';
import type { DreamFlowApi } from '../app/contract.ts';
import type { CacheFigures, KlaviyoCallRecord, OutboxFigures, WireFigures } from './metrics.ts';
import type { TimelineRecorder } from './timeline.ts';

export interface SimulationStack {
  readonly mode: 'inprocess' | 'http';
  readonly api: DreamFlowApi;
  readonly clock: Clock;
  /** Every Klaviyo call the integration made so far, normalised. */
  calls(): Promise<KlaviyoCallRecord[]> | KlaviyoCallRecord[];
  cache(): Promise<CacheFigures> | CacheFigures;
  outbox(): Promise<OutboxFigures> | OutboxFigures;
  /** Deliver what the outbox holds, giving up at `deadline` (clock time). */
  flush(deadline: number): Promise<void>;
  /** 429s and Retry-After waits seen on the wire to Klaviyo (undefined when not observable). */
  wire(): Promise<WireFigures | undefined> | WireFigures | undefined;
  /** Events the Klaviyo mock holds (null when it cannot be read). */
  eventsStored(): Promise<number | null>;
  /** Fault labels the mocks applied, in the order requests arrived (`error:503`, `network:reset`, …). */
  faultSequence(): Promise<string[]>;
  /** Write the Klaviyo mock's profiles/events/metrics for demos; returns the files written. */
  exportData?(dir: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface StackOptions {
  seed: number;
  /** Fault profile name or file. */
  faults: string;
  /** Klaviyo rate limits on (the default, as the real API). */
  rateLimits: boolean;
  /** In-process only: how SDK requests reach the mocks (default `direct`; `msw` intercepts HTTP). */
  transport?: 'direct' | 'msw';
  /** Where a stack that can see them records Klaviyo attempts and fault decisions as they happen. */
  timeline?: TimelineRecorder;
}
