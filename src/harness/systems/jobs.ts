/**
 * Runs a scenario's `jobs:` on the simulated clock beside the journeys: sleeps until each job's time,
 * runs it through the stack (the integration's own job code on the official SDKs), and records its
 * output in the ledger. A job that fails is recorded as failed; the run goes on.
 */
import type { Clock } from '../../../lib/clock.ts';
import { abortableSleep } from '../journey.ts';
import type { Scenario, Step } from '../scenario-schema.ts';
import type { SimulationStack } from '../stack.ts';
import type { SystemsLedger } from './ledger.ts';
import { jobSchedule } from './schema.ts';

/** Does any step (nested ones included) have this kind? */
export function usesStep(steps: readonly Step[], kind: Step['kind']): boolean {
  return steps.some((s) => {
    if (s.kind === kind) return true;
    if (s.kind === 'repeat' || s.kind === 'bedtime') return usesStep(s.steps, kind);
    if (s.kind === 'branch') return usesStep(s.then, kind) || usesStep(s.else, kind);
    if (s.kind === 'lapse') return usesStep(s.onLapse, kind) || usesStep(s.returnSteps, kind);
    return false;
  });
}

/** Whether a run of this scenario needs the systems hooks (jobs, or families' hidden churn or listening). */
export function needsSystems(scenario: Scenario): boolean {
  return (
    scenario.jobs !== undefined || usesStep(scenario.journey, 'lapse') || usesStep(scenario.journey, 'listen')
  );
}

export async function runJobs(opts: {
  scenario: Scenario;
  stack: SimulationStack;
  clock: Clock;
  simStart: number;
  signal: AbortSignal;
  ledger: SystemsLedger;
}): Promise<void> {
  const { scenario, stack, clock, simStart, signal, ledger } = opts;
  ledger.simStart = simStart;
  const schedule = jobSchedule(scenario.jobs, scenario.duration);
  if (schedule.length === 0) return;
  const systems = stack.systems;
  if (!systems)
    throw new Error(`scenario "${scenario.name}" has jobs: they run in-process only (--mode inprocess)`);
  for (const { at, kind } of schedule) {
    const wait = simStart + at - clock.now();
    if (wait > 0) {
      try {
        await abortableSleep(clock, wait, signal);
      } catch {
        return;
      }
    }
    try {
      if (kind === 'churn_winback') {
        const threshold = scenario.jobs?.churn_winback?.threshold ?? 0.6;
        ledger.churnThreshold = threshold;
        ledger.churnRuns.push(await systems.churnWinback({ threshold }));
      } else if (kind === 'webhooks') {
        const w = scenario.jobs?.webhooks;
        await systems.startWebhooks({
          failBefore: w?.fail_before ?? 0.1,
          failAfter: w?.fail_after ?? 0.1,
          unsubscribeRate: w?.unsubscribe_rate ?? 0.02,
        });
        ledger.webhooksStarted = true;
      } else if (kind === 'catalog_sync') {
        const r = await systems.catalogSync(ledger.catalogRuns.length);
        ledger.catalogRuns.push({ ...r, day: (clock.now() - simStart) / 86_400_000 });
      } else if (kind === 'parent_insights') {
        const r = await systems.parentInsights();
        ledger.insightRuns.push({ ...r, simDay: (r.at - simStart) / 86_400_000 });
      }
    } catch (err) {
      ledger.jobFailed(kind, clock.now(), (err as Error).message);
    }
  }
}
