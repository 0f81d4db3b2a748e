/**
 * What the runner needs from "the system under test": the Dream Flow API, the clock it runs on, and
 * read-outs of the integration's instrumentation, outbox, cache and the Klaviyo mock. The in-process
 * stack (msw + virtual clock) and the HTTP stack (running servers, real time) both provide this.
 */

import type { Clock } from '../../lib/clock.ts';
import type { DreamFlowApi } from '../app/contract.ts';
import type { CatalogSyncResult } from '../integration/systems/catalog-sync.ts';
import type { ChurnWinbackResult } from '../integration/systems/churn-winback.ts';
import type { ParentInsightsResult } from '../integration/systems/parent-insights.ts';
import type { FaultSummary } from './fault-log.ts';
import type { McpFigures, McpMode } from './mcp-figures.ts';
import type { CacheFigures, CallTally, OutboxFigures } from './metrics.ts';
import type { EmailEngagement } from './systems/mock-reader.ts';
import type { TimelineRecorder } from './timeline.ts';

export interface SimulationStack {
  readonly mode: 'inprocess' | 'http';
  readonly api: DreamFlowApi;
  readonly clock: Clock;
  /**
   * The Klaviyo calls the integration made so far, counted (counters and HDR histograms, nothing per
   * call), with the 429s and Retry-After waits seen on the wire when the stack can see it.
   */
  calls(): Promise<CallTally> | CallTally;
  cache(): Promise<CacheFigures> | CacheFigures;
  outbox(): Promise<OutboxFigures> | OutboxFigures;
  /** Deliver what the outbox holds, giving up at `deadline` (clock time). */
  flush(deadline: number): Promise<void>;
  /** Events the Klaviyo mock holds (null when it cannot be read). */
  eventsStored(): Promise<number | null>;
  /** Fault labels the mocks applied (`klaviyo:error:503`, `supabase:none`, …): counts, hash, first ones. */
  faults(): Promise<FaultSummary> | FaultSummary;
  /** The MCP adapter's answers, when the scenario sets `mcp` (absent otherwise). */
  mcp?(): McpFigures | undefined | Promise<McpFigures | undefined>;
  /** Dream Flow's scheduled jobs and the harness's ground-truth reads (in-process stacks only). */
  systems?: StackSystems;
  /** Write the Klaviyo mock's profiles/events/metrics for demos; returns the files written. */
  exportData?(dir: string): Promise<string[]>;
  close(): Promise<void>;
}

import type { IntegrationSettings } from './scenario-schema.ts';
export interface WebhookFigures {
  /** Delivery attempts the mock made, deliveries, and retries (attempts after a delivery's first). */
  attempts: number;
  deliveries: number;
  retries: number;
  gaveUp: number;
  /** Faults the bench injected: refused before the receiver, failed after it acted. */
  injectedBefore: number;
  injectedAfter: number;
  /** Events the receiver saw again (already done) and events it acted on. */
  duplicates: number;
  acted: number;
  rejected: number;
  /** Ground truth: families Klaviyo unsubscribed (after the webhook existed) / marked in Supabase. */
  unsubscribedInKlaviyo: number;
  unsubscribedInSupabase: number;
}

export interface StackSystems {
  /** Run the churn-and-win-back job now (src/integration/systems/churn-winback.ts). */
  churnWinback(options: { threshold: number }): Promise<ChurnWinbackResult>;
  /** Run the weekly parent insights job now (src/integration/systems/parent-insights.ts). */
  parentInsights(): Promise<ParentInsightsResult>;
  /**
   * Sync release `release` of the story catalog (catalog-sync.ts), then compare Klaviyo's catalog with
   * it: `drift` counts items missing, extra, or with another title or other categories (0 = in sync).
   */
  catalogSync(release: number): Promise<CatalogSyncResult & { drift: number; items: number }>;
  /** Start the app's webhook receiver under faults and register it with Klaviyo (webhook-bench.ts). */
  startWebhooks(options: { failBefore: number; failAfter: number; unsubscribeRate: number }): Promise<void>;
  /** After the run: let deliveries finish, then what was delivered, acted on, and the truth. */
  webhookFigures(): Promise<WebhookFigures | null>;
  /** Addresses that received an email of campaigns named `campaignPrefix…` (one per email). */
  recipients(campaignPrefix: string): string[];
  /** Emails of campaigns named `campaignPrefix…` the address got since `since` (ground truth). */
  inbox(email: string, since: number, campaignPrefix: string): EmailEngagement;
}

export interface StackOptions {
  seed: number;
  /** Fault profile name or file. */
  faults: string;
  /** Klaviyo rate limits on (the default, as the real API). */
  rateLimits: boolean;
  /** The offline Klaviyo MCP server: none (default), up, or configured but down. */
  mcp?: McpMode;
  /** How the integration delivers (in-process only: an HTTP run uses the app's own flags). */
  integration?: IntegrationSettings;
  /** In-process only: how SDK requests reach the mocks (default `direct`; `msw` intercepts HTTP). */
  transport?: 'direct' | 'msw';
  /** Sees every request the integration sends to Klaviyo (in-process stacks; the privacy test uses it). */
  onKlaviyoRequest?: (req: { method: string; path: string; body: string }) => void;
  /** Where a stack that can see them records Klaviyo attempts and fault decisions as they happen. */
  timeline?: TimelineRecorder;
}
