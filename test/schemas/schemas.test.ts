/**
 * The JSON Schemas in schemas/: current with their sources (`npm run schemas` rewrites them), and right
 * about real files: every shipped scenario passes the scenario schema, reports written by the harness
 * pass the report schema and point at it, and broken inputs are refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCENARIOS_DIR } from '../../src/harness/scenario-loader.ts';
import { REPORT_SCHEMA_FILE, SCENARIO_SCHEMA_FILE, schemaFiles } from '../../src/harness/schema-files.ts';
import { readReport } from '../../src/report/model.ts';
import { writeReports } from '../../src/report/write.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REFERENCE_REPORT = join(ROOT, 'reports/reference/report.json');

function validator(file: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}

const scenarioFiles = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.yaml'));

it('schemas/*.json are what `npm run schemas` generates from the sources', () => {
  for (const [file, text] of Object.entries(schemaFiles())) {
    expect(readFileSync(file, 'utf8'), `${file} is stale: run npm run schemas`).toBe(text);
  }
});

describe('scenario schema', () => {
  const validate = validator(SCENARIO_SCHEMA_FILE);

  it.each(scenarioFiles)('accepts the shipped scenario %s, which names it on its first line', (name) => {
    const text = readFileSync(join(SCENARIOS_DIR, name), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/scenario.schema.json');
    const ok = validate(parse(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('refuses an unknown field, an unknown step and a step option of the wrong type', () => {
    const base = parse(readFileSync(join(SCENARIOS_DIR, 'default.yaml'), 'utf8'));
    const errorsFor = (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []));
    expect(errorsFor({ ...base, userz: 3 }).some((e) => e.params.additionalProperty === 'userz')).toBe(true);
    expect(errorsFor({ ...base, journey: ['signup', 'dance'] }).length).toBeGreaterThan(0);
    expect(
      errorsFor({ ...base, journey: parse('[{branch: {probability: 2, then: [story]}}]') }).length,
    ).toBeGreaterThan(0);
    expect(
      errorsFor({ ...base, journey: [{ repeat: { times: 2, steps: [{ think: '5m' }, 'story'] } }] }),
    ).toEqual([]);
  });
});

describe('report schema', () => {
  const validate = validator(REPORT_SCHEMA_FILE);
  const tmp = mkdtempSync(join(tmpdir(), 'dreamflow-schema-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('accepts the committed reference report', () => {
    const ok = validate(JSON.parse(readFileSync(REFERENCE_REPORT, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('accepts a report.json as the harness writes it, whose $schema resolves to the schema file', async () => {
    const files = await writeReports(readReport(REFERENCE_REPORT), join(tmp, 'out'));
    const written = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(resolve(dirname(files.json), written.$schema)).toBe(REPORT_SCHEMA_FILE);
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
    expect(readReport(files.json).figures).toEqual(readReport(REFERENCE_REPORT).figures);
  });

  it('refuses a report with a field missing or of the wrong type', () => {
    const report = JSON.parse(readFileSync(REFERENCE_REPORT, 'utf8'));
    const { figures: _f, ...noFigures } = report;
    expect(validate(noFigures)).toBe(false);
    expect(validate({ ...report, passed: 'yes' })).toBe(false);
    expect(validate({ ...report, claims: [{ ...report.claims[0], verdict: 'maybe' }] })).toBe(false);
  });
});
