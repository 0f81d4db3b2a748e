/**
 * Run progress on simulated time: how far the run is through its simulated duration (or through its
 * families, whichever is further: a run ends early once every journey is over), with an ETA from the
 * wall time so far. A bar on a terminal (cli-progress); in CI one plain line per 10 %, nothing that needs
 * a terminal.
 */
import { Presets, SingleBar } from 'cli-progress';
import { formatDuration } from '../harness/duration.ts';
import type { Progress } from '../harness/runner.ts';

export interface ProgressView {
  update(p: Progress): void;
  stop(): void;
}

export interface ProgressPlan {
  /** Simulated duration of the run (ms). */
  durationMs: number;
  /** Wall clock, injectable for tests. */
  now?: () => number;
}

/** Fraction done (0–1) and the ETA in ms (null until something has moved). */
export function progressOf(
  p: Progress,
  durationMs: number,
  elapsedMs: number,
): { fraction: number; etaMs: number | null } {
  const bySim = durationMs > 0 ? Math.min(1, Math.max(0, p.simulatedMs / durationMs)) : 0;
  const byJourneys = p.total > 0 ? p.done / p.total : 0;
  const fraction = Math.max(bySim, byJourneys);
  const etaMs =
    fraction > 0 && fraction < 1 ? (elapsedMs / fraction) * (1 - fraction) : fraction >= 1 ? 0 : null;
  return { fraction, etaMs };
}

/** "3m05s", "42s", "…" */
export function formatEta(ms: number | null): string {
  if (ms === null) return '…';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function line(p: Progress, plan: ProgressPlan, fraction: number, etaMs: number | null): string {
  return `${Math.floor(fraction * 100)}% · ${formatDuration(p.simulatedMs)}/${formatDuration(plan.durationMs)} simulated · ${p.done}/${p.total} journeys · ${p.failed} failed · ETA ${formatEta(etaMs)}`;
}

export function createProgress(
  enabled: boolean,
  plan: ProgressPlan,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressView {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const now = plan.now ?? Date.now;
  const started = now();
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: '  {bar} {status}', stream, hideCursor: true, etaBuffer: 1 },
      Presets.shades_classic,
    );
    bar.start(1000, 0, { status: 'starting…' });
    return {
      update: (p) => {
        const { fraction, etaMs } = progressOf(p, plan.durationMs, now() - started);
        bar.update(Math.round(fraction * 1000), { status: line(p, plan, fraction, etaMs) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastDecile = -1;
  return {
    update: (p) => {
      const { fraction, etaMs } = progressOf(p, plan.durationMs, now() - started);
      const decile = Math.floor(fraction * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(`  ${line(p, plan, fraction, etaMs)}\n`);
      }
    },
    stop: () => {},
  };
}
