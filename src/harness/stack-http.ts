/**
 * The HTTP stack: drive already-running servers (`dreamflow-sim up`, or your own) in real time.
 *
 * Known limitations, compared with in-process mode:
 * - time is real: think times are slept for real, so scale scenarios down (`--users`, short durations);
 * - Klaviyo latency comes from the mock's request journal (per HTTP attempt, mock processing plus
 *   injected latency), not from the integration's per-call instrumentation, so retries are not folded
 *   into one call and Retry-After compliance is not measured;
 * - the journal is a ring buffer (10 000 entries by default): longer runs only see the newest requests;
 * - outbox and cache figures come from the app's `/api/v1/demo/klaviyo-integration` (cumulative since
 *   the app started: start from a fresh app for clean figures);
 * - a scenario's `mcp` cannot start or stop the app's MCP server: `up`/`down` need an app with
 *   KLAVIYO_MCP_URL set (`up` sets it), and the figures are the app's `/api/v1/demo/mcp-status`
 *   counters, less those at the start of the run.
 */

import { systemClock } from '../../lib/clock.ts';
import { createHttpDreamFlowClient } from '../app/http-client.ts';
import { summariseLabels } from './fault-log.ts';
import { type McpFigures, mcpFigures } from './mcp-figures.ts';
import {
  type CacheFigures,
  type KindFigures,
  type KlaviyoCallRecord,
  outboxFigures,
  tallyCalls,
} from './metrics.ts';
import type { SimulationStack, StackOptions } from './stack.ts';
import { categorise } from './stack-inprocess.ts';
import type { HttpTargets } from './stacks.ts';

interface JournalEntry {
  seq: number;
  operation?: string;
  status: number | null;
  latencyMs: number;
  injectedLatencyMs: number;
  fault: string | null;
}

interface IntegrationStatus {
  outbox?: (KindFigures & { byKind?: { event: KindFigures; profile: KindFigures } }) | null;
  cache?: { hits: number; misses: number; savedCalls: number };
}

async function getJson<T>(url: string, what: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (err) {
    throw new Error(
      `http mode: cannot reach ${what} at ${url} (${(err as Error).message}). Start the servers with \`dreamflow-sim up\` or pass --app-url/--klaviyo-url.`,
    );
  }
  if (!res.ok) throw new Error(`http mode: ${what} answered ${res.status} for ${url}`);
  return (await res.json()) as T;
}

export async function createHttpStack(options: StackOptions, targets: HttpTargets): Promise<SimulationStack> {
  const appUrl = (targets.appUrl ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  const klaviyoUrl = (targets.klaviyoUrl ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');
  if (options.faults !== 'ideal') {
    // Switch the running Klaviyo mock to the run's profile so the report's fault profile is the truth.
    const res = await fetch(`${klaviyoUrl}/__admin/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profile: options.faults, seed: options.seed }),
    }).catch((err: Error) => {
      throw new Error(
        `http mode: cannot reach the Klaviyo mock at ${klaviyoUrl} (${err.message}); start it or pass --klaviyo-url.`,
      );
    });
    if (!res.ok)
      throw new Error(
        `http mode: the Klaviyo mock refused fault profile "${options.faults}": ${await res.text()}`,
      );
  }
  await getJson(`${appUrl}/api/v1/health`, 'the Dream Flow app');
  const startSeq = (
    await getJson<{ total: number }>(`${klaviyoUrl}/__admin/requests?limit=1`, 'the Klaviyo mock')
  ).total;
  const eventsAtStart = Number(
    (await getJson<{ events?: number }>(`${klaviyoUrl}/__admin/state`, 'the Klaviyo mock')).events ?? 0,
  );
  type McpStatus = Parameters<typeof mcpFigures>[1] & { enabled: boolean };
  const mcpStatus = () => getJson<McpStatus>(`${appUrl}/api/v1/demo/mcp-status`, 'the Dream Flow app');
  const mcpMode = options.mcp ?? 'off';
  const mcpAtStart = mcpMode === 'off' ? undefined : await mcpStatus();
  if (mcpAtStart && !mcpAtStart.enabled) {
    throw new Error(
      `http mode: the scenario sets mcp: ${mcpMode} but the app has no MCP server configured; start it with \`dreamflow-sim up\` (which sets KLAVIYO_MCP_URL) or set KLAVIYO_MCP_URL for the app.`,
    );
  }
  const status = () =>
    getJson<IntegrationStatus>(`${appUrl}/api/v1/demo/klaviyo-integration`, 'the Dream Flow app');
  const journal = async () =>
    (
      await getJson<{ requests: JournalEntry[] }>(
        `${klaviyoUrl}/__admin/requests?since=${startSeq}`,
        'the Klaviyo mock',
      )
    ).requests;

  return {
    mode: 'http',
    api: createHttpDreamFlowClient(appUrl),
    clock: systemClock,
    // The journal holds the last requests only (its size is the mock's --journal-size): an HTTP run
    // counts what it still holds, as the top of this file says.
    calls: async () =>
      tallyCalls(
        (await journal()).map((e): KlaviyoCallRecord => {
          const ok = e.status !== null && e.status >= 200 && e.status < 300;
          return {
            operation: e.operation ?? 'unknown',
            category: categorise(e.operation ?? ''),
            attempts: 1,
            outcome: ok ? 'success' : 'failure',
            latencyMs: e.latencyMs + e.injectedLatencyMs,
            failedAttempts: ok ? 0 : 1,
            throttledAttempts: e.status === 429 ? 1 : 0,
          };
        }),
      ),
    cache: async (): Promise<CacheFigures> => {
      const c = (await status()).cache;
      return { hits: c?.hits ?? 0, misses: c?.misses ?? 0, savedCalls: c?.savedCalls ?? 0 };
    },
    outbox: async () => outboxFigures((await status()).outbox),
    flush: async (deadline) => {
      // Real time: poll the app until its outbox is empty (bounded by the deadline and a poll count).
      const until = Math.min(deadline, Date.now() + 120_000);
      for (let i = 0; i < 1000 && Date.now() < until; i++) {
        if (((await status()).outbox?.pending ?? 0) === 0) return;
        await systemClock.sleep(250);
      }
    },
    mcp: async (): Promise<McpFigures | undefined> => {
      if (!mcpAtStart) return undefined;
      const now = mcpFigures(mcpMode, await mcpStatus());
      const start = mcpFigures(mcpMode, mcpAtStart);
      const toolCalls: Record<string, number> = {};
      for (const [tool, n] of Object.entries(now.toolCalls)) {
        const d = n - (start.toolCalls[tool] ?? 0);
        if (d > 0) toolCalls[tool] = d;
      }
      return {
        mode: mcpMode,
        mcp: now.mcp - start.mcp,
        fallback: now.fallback - start.fallback,
        errors: now.errors - start.errors,
        toolCalls,
      };
    },
    eventsStored: async () => {
      // Bulk events land a moment after they are accepted (a job on the mock's clock): wait for the
      // work Klaviyo already accepted, bounded, before counting.
      let state = { events: 0, pendingJobs: 0 } as { events?: number; pendingJobs?: number };
      for (let i = 0; i < 40; i++) {
        state = await getJson(`${klaviyoUrl}/__admin/state`, 'the Klaviyo mock');
        if (!state.pendingJobs) break;
        await systemClock.sleep(250);
      }
      return Number(state.events ?? 0) - eventsAtStart;
    },
    faults: async () => summariseLabels((await journal()).map((e) => `klaviyo:${e.fault ?? 'none'}`)),
    close: async () => {},
  };
}
