/**
 * `dreamflow-sim/harness`: replay scenario files through the integration code on the mocks and write
 * the reports, as `dreamflow-sim run` does:
 *
 *   const result = await runScenario(loadScenario('default'), stackFactory('inprocess'), { seed: 1 });
 *   await writeReports(buildReport(result), 'reports/mine');
 */
export { type RunOptions, type RunResult, runScenario } from '../harness/runner.ts';
export { listScenarios, loadScenario, parseScenario, ScenarioError } from '../harness/scenario-loader.ts';
export type { Scenario } from '../harness/scenario-schema.ts';
export { stackFactory } from '../harness/stacks.ts';
export { buildReport, type ReportDocument, readReport } from '../report/model.ts';
export { writeReports } from '../report/write.ts';
