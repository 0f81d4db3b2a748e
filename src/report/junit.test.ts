import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { createFakeStack } from '../../test/harness/fake-stack.ts';
import { runScenario } from '../harness/runner.ts';
import { parseScenario } from '../harness/scenario-loader.ts';
import { exitCodeOf, jsonSummary } from './json-summary.ts';
import { renderJunit } from './junit.ts';
import { buildReport } from './model.ts';

const XSD = readFileSync(new URL('../../test/support/junit.xsd', import.meta.url), 'utf8');

async function validate(xml: string) {
  return validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: [{ fileName: 'junit.xsd', contents: XSD }],
  });
}

const scenario = parseScenario({
  name: 'unit-junit',
  users: 3,
  seed: 4,
  duration: '1d',
  journey: ['signup', 'story'],
  // One that holds, one that cannot (latency is never below 0 ms), in both syntaxes.
  thresholds: ['events_lost == 0', 'event_tracking_latency: p(95)<0'],
});

describe('JUnit XML', () => {
  it('has one test case per threshold and one for the scenario, valid against the JUnit schema', async () => {
    const report = buildReport(await runScenario(scenario, async (o) => createFakeStack(o)));
    const xml = renderJunit(report);
    const result = await validate(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    // 2 thresholds + the default journeys_truncated one + the scenario case.
    expect(xml).toContain('tests="4" failures="2"');
    expect(xml).toContain('name="event_tracking_latency: p(95)&lt;0"');
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toMatch(
      /<testcase classname="dreamflow-sim.unit-junit.thresholds" name="events_lost == 0" time="0"><\/testcase>/,
    );
  });

  it('the validator is not a rubber stamp: a test case without a name is refused', async () => {
    const result = await validate(
      '<?xml version="1.0"?><testsuites><testsuite name="x" tests="1"><testcase classname="c"/></testsuite></testsuites>',
    );
    expect(result.valid).toBe(false);
  });

  it('the JSON summary carries the verdict and the exit code run ends with', async () => {
    const report = buildReport(await runScenario(scenario, async (o) => createFakeStack(o)));
    const s = jsonSummary(report, { json: 'report.json' });
    expect(s.passed).toBe(false);
    expect(s.exitCode).toBe(1);
    expect(exitCodeOf(report)).toBe(1);
    expect(s.thresholds.find((t) => t.metric === 'events_lost')).toMatchObject({ passed: true, actual: 0 });
    expect(s.journeys.families).toBe(3);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
