/**
 * The JSON Schema files kept in `schemas/`, as their text: what `npm run schemas` writes and what the
 * test compares the committed files with.
 */
import { join } from 'node:path';
import { packageInfo } from '../../lib/package-info.ts';
import { reportJsonSchema } from '../report/json-schema.ts';
import { scenarioJsonSchema } from './scenario-json-schema.ts';

export const SCHEMAS_DIR = join(packageInfo().root, 'schemas');
export const SCENARIO_SCHEMA_FILE = join(SCHEMAS_DIR, 'scenario.schema.json');
export const REPORT_SCHEMA_FILE = join(SCHEMAS_DIR, 'report.schema.json');

export function schemaFiles(): Record<string, string> {
  const text = (schema: unknown) => `${JSON.stringify(schema, null, 2)}\n`;
  return {
    [SCENARIO_SCHEMA_FILE]: text(scenarioJsonSchema()),
    [REPORT_SCHEMA_FILE]: text(reportJsonSchema()),
  };
}
