/**
 * `report.json`, schema version 1: everything a run measured, plus where and how it ran. The Markdown
 * and HTML reports and `report compare` are all rendered from this document alone, so a report can be
 * re-rendered or compared long after the run.
 */
import { readFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { formatDuration } from '../harness/duration.ts';
import type { RunMetrics } from '../harness/metrics.ts';
import type { RunResult, ShardData } from '../harness/runner.ts';
import type { IntegrationSettings, Scenario } from '../harness/scenario-schema.ts';
import type { SystemsFigures } from '../harness/systems/ledger.ts';
import type { ThresholdResult } from '../harness/thresholds.ts';
import { type ClaimRow, judgeClaims } from './claims.ts';
import type { Comparison } from './compare.ts';
import { judgeSystemClaims } from './system-claims.ts';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportDocument {
  schemaVersion: 1;
  tool: { name: 'dreamflow-sim'; version: string };
  generatedAt: string;
  startedAt: string;
  /** True when the run was interrupted (Ctrl-C): figures cover what ran. */
  partial: boolean;
  passed: boolean;
  scenario: {
    name: string;
    description: string;
    source: string | null;
    seed: number;
    users: number;
    faults: string;
    mode: 'inprocess' | 'http';
    duration: string;
    durationMs: number;
    arrival: unknown;
    concurrency: number;
    /** How the integration delivered (absent in reports from before it was configurable). */
    integration?: IntegrationSettings;
  };
  environment: { node: string; os: string; arch: string; cpu: string; cpus: number; memoryGb: number };
  metrics: RunMetrics;
  /** Flat figures (`event_tracking_latency.p95`, `events_lost`, …) that thresholds and compare use. */
  figures: Record<string, number | null>;
  thresholds: ThresholdResult[];
  claims: ClaimRow[];
  /** Dream Flow's systems (churn and win-back, …) when the scenario ran them: see harness/systems/. */
  systems?: SystemsFigures;
  /** Fault decisions by `service:label`; `injected` counts errors, network faults and outages (not latency). */
  faults: { counts: Record<string, number>; injected: number; sequenceHash: string };
  baseline?: Comparison;
  /** Written by `run --shard i/n`: one slice of a run, with what `report merge` needs to merge it exactly. */
  shard?: ShardReport;
  /** Written by `report merge`: the shard reports it was merged from, in shard order. */
  merged?: { shards: number; files: string[] };
}

/**
 * A shard report's own block. Its figures and thresholds cover the slice only; `report merge` merges
 * `data` (HDR snapshots, counters, the journey tally, fault counts) and re-judges `scenario.thresholds`.
 */
export interface ShardReport {
  /** 1-based, as on the command line (`--shard 1/2`). */
  index: number;
  count: number;
  seed: number;
  users: number;
  faults: string;
  transport: string;
  /** The run's scenario as resolved (after `--users`/`--duration`), thresholds included. */
  scenario: Scenario;
  /** `scenarioHash(scenario)`: shards of one run must agree on it. */
  scenarioHash: string;
  data: ShardData;
}

export function environmentInfo(): ReportDocument['environment'] {
  const cpuList = cpus();
  return {
    node: process.version,
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cpus: cpuList.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

export function buildReport(result: RunResult, version = '0.1.0'): ReportDocument {
  const s = result.scenario;
  const injected = Object.entries(result.faultCounts)
    .filter(([k]) => !k.endsWith('none') && !k.endsWith(':latency'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'dreamflow-sim', version },
    generatedAt: new Date().toISOString(),
    startedAt: result.startedAt,
    partial: result.partial,
    passed: !result.partial && result.thresholds.every((t) => t.passed),
    scenario: {
      name: s.name,
      description: s.description,
      source: s.source ?? null,
      seed: result.seed,
      users: result.users,
      faults: result.faults,
      mode: result.mode,
      duration: formatDuration(s.duration),
      durationMs: s.duration,
      arrival: s.arrival,
      concurrency: Math.min(s.concurrency ?? result.users, result.users),
      integration: s.integration,
    },
    environment: environmentInfo(),
    metrics: result.metrics,
    figures: result.figures,
    thresholds: result.thresholds,
    claims: [...judgeClaims(result.metrics), ...judgeSystemClaims(result.systems)],
    ...(result.systems ? { systems: result.systems } : {}),
    faults: {
      counts: result.faultCounts,
      injected,
      sequenceHash: result.faultSequenceHash,
    },
  };
}

/** Read a report.json, checking it is one this version understands. */
export function parseReport(text: string, file: string): ReportDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `${file}: not valid JSON (${(err as Error).message}); expected a report.json written by "dreamflow-sim run"`,
    );
  }
  const d = doc as Partial<ReportDocument>;
  if (!d || typeof d !== 'object' || d.schemaVersion !== REPORT_SCHEMA_VERSION || !d.figures) {
    throw new Error(
      `${file}: expected a dreamflow-sim report.json with schemaVersion ${REPORT_SCHEMA_VERSION} and "figures"; got schemaVersion ${JSON.stringify(d?.schemaVersion)}`,
    );
  }
  return d as ReportDocument;
}

/** Read and parse a report.json; `label` names the file in the "cannot read it" error (e.g. `--baseline x.json`). */
export function readReport(file: string, label = file): ReportDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(
      `${label}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  return parseReport(text, file);
}

/** Formatting shared by the Markdown, HTML and console renderers. */
/**
 * How the journeys ended, in words: `200 families: 180 whole, 20 truncated by the end of the run (5
 * never started), 0 failed`. Reports from before truncation was counted apart have no `families`.
 */
export function journeysLine(j: ReportDocument['metrics']['journeys']): string {
  const families = j.families ?? j.started;
  const parts = [`${fmtNum(j.completed)} whole`];
  const truncated = j.truncated ?? 0;
  if (truncated || j.families !== undefined)
    parts.push(
      `${fmtNum(truncated)} truncated by the end of the run${j.notStarted ? ` (${fmtNum(j.notStarted)} never started)` : ''}`,
    );
  parts.push(`${fmtNum(j.failed)} failed`);
  if (j.aborted) parts.push(`${fmtNum(j.aborted)} aborted`);
  return `${fmtNum(families)} families: ${parts.join(', ')}`;
}

/**
 * How the outbox's jobs went out, in words: `0.31 calls per job · events: 12 bulk calls (mean 480,
 * largest 1000) + 30 single · profile syncs: … · drained 3.2 s after the last journey`. Null for
 * reports from before delivery was measured.
 */
export function deliveryLine(m: ReportDocument['metrics']): string | null {
  const d = m.delivery;
  if (!d) return null;
  const parts = [
    `${fmtNum(d.callsPerJob, 2)} calls per job (${fmtNum(d.calls)} calls for ${fmtNum(m.events.tracked)} jobs)`,
  ];
  if (d.lanes) {
    for (const [label, l] of [
      ['events', d.lanes.event],
      ['profile syncs', d.lanes.profile],
    ] as const) {
      const bulk = l.bulkCalls
        ? `${fmtNum(l.bulkCalls)} bulk (mean ${fmtNum(l.bulkJobs / l.bulkCalls, 0)}, largest ${fmtNum(l.largestBatch)}) + `
        : '';
      parts.push(
        `${label} ${bulk}${fmtNum(l.singleCalls)} single${l.throttled ? `, ${fmtNum(l.throttled)} throttled` : ''}`,
      );
    }
  }
  parts.push(
    d.drainMs === null
      ? 'NOT drained by the flush deadline'
      : `drained ${fmtMs(d.drainMs)} after the last journey`,
  );
  return parts.join(' · ');
}

/** The integration settings a run used (`delivery outbox · batching on · …`); null for older reports. */
export function integrationLine(s: ReportDocument['scenario']): string | null {
  const i = s.integration;
  if (!i) return null;
  return `delivery ${i.delivery} · batching ${i.batching ? 'on' : 'off'} · profile syncs coalesced ${i.coalesce_profile_syncs ? 'yes' : 'no'} · cache ${i.cache}`;
}

/** "100.00 % (112/112 jobs)": the retry success rate with what it counted. */
export function retryLine(k: ReportDocument['metrics']['klaviyo']): string {
  const r = k.retried ?? { recovered: k.callsRecovered, failed: k.callsFailedOnce, unit: 'calls' };
  if (r.failed === 0) return `n/a (nothing failed, nothing to retry)`;
  return `${fmtPct(k.retrySuccessRate)} (${fmtNum(r.recovered)}/${fmtNum(r.failed)} ${r.unit})`;
}

/** "(141 calls for 30 events)": a latency count is calls, which retries and rounds multiply. */
export function callsLine(calls: number, items: number | undefined, noun: string): string {
  return items === undefined
    ? `${fmtNum(calls)} calls`
    : `${fmtNum(calls)} calls for ${fmtNum(items)} ${noun}`;
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  if (v === 0) return '0 ms';
  return `${v.toFixed(3)} ms`;
}

export function fmtPct(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return `${(v * 100).toFixed(v >= 0.999 || v === 0 ? 2 : 1)} %`;
}

/** A baseline comparison's relative change; '—' when it is undefined (figure missing, or a zero baseline). */
export function fmtChange(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(1)} %`;
}

export function fmtNum(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined) return 'n/a';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A figure formatted by what its name says it is. */
export function fmtFigure(name: string, v: number | null | undefined): string {
  if (name.includes('_latency.') && !name.endsWith('.count')) return fmtMs(v);
  if (name.endsWith('_rate')) return fmtPct(v);
  if (name.endsWith('_per_second')) return fmtNum(v, 1);
  return fmtNum(v, 3);
}
