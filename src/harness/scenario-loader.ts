/**
 * Find and load a scenario: a name from `scenarios/` (`default`, `bedtime-streaks`) or a path to a
 * YAML/JSON file. Invalid files throw a ScenarioError that names the file, the field path and what was
 * expected, one line per problem.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { z } from 'zod';
import { knownKeys, unknownKeyMessage } from '../../lib/config-errors.ts';
import { type Scenario, scenarioSchema } from './scenario-schema.ts';

/** The repository's `scenarios/` directory. */
export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

export interface ScenarioProblem {
  /** `journey[2].story.themes`, or `(file)` for problems with the file as a whole. */
  field: string;
  message: string;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(`Invalid scenario ${file}:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

/** Names of the shipped scenarios, sorted. */
export function listScenarios(dir = SCENARIOS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

/** Turn a name or path into a file path; throws a ScenarioError listing the shipped names when not found. */
export function resolveScenarioPath(nameOrPath: string, dir = SCENARIOS_DIR): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes('\\') || extname(nameOrPath) !== '';
  const candidates = looksLikePath
    ? [isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath)]
    : [join(dir, `${nameOrPath}.yaml`), join(dir, `${nameOrPath}.yml`)];
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  throw new ScenarioError(candidates[0]!, [
    {
      field: '(file)',
      message: `no such scenario. Shipped scenarios: ${listScenarios(dir).join(', ') || '(none)'}; or pass a path to a .yaml file`,
    },
  ]);
}

/** Format zod issue paths the way people read them: `journey[2].story.themes`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/** One problem per issue; an unknown key is reported at its own path, with the keys allowed there. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType = scenarioSchema,
): ScenarioProblem[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: formatPath([...issue.path, key]),
          message: unknownKeyMessage(key, knownKeys(schema, issue.path)),
        }))
      : [{ field: formatPath(issue.path), message: describeIssue(issue) }],
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
    return `required: ${issue.message}`;
  return issue.message;
}

/** Validate an already-parsed document. `file` is used in error messages and to resolve relative paths. */
export function parseScenario(doc: unknown, file = '(inline)'): Scenario {
  const result = scenarioSchema.safeParse(doc);
  if (!result.success) throw new ScenarioError(file, issuesToProblems(result.error.issues));
  const scenario: Scenario = { ...result.data, source: file === '(inline)' ? undefined : file };
  // A fault profile given as a relative file path is relative to the scenario file, not the cwd.
  if (scenario.source && /[/\\]|\.(ya?ml|json)$/.test(scenario.faults) && !isAbsolute(scenario.faults)) {
    scenario.faults = resolve(dirname(scenario.source), scenario.faults);
  }
  return scenario;
}

export function loadScenario(nameOrPath: string, dir = SCENARIOS_DIR): Scenario {
  const file = resolveScenarioPath(nameOrPath, dir);
  let doc: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    doc = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { prettyErrors: true });
  } catch (err) {
    throw new ScenarioError(file, [
      { field: '(file)', message: `not valid YAML/JSON: ${(err as Error).message}` },
    ]);
  }
  return parseScenario(doc, file);
}
