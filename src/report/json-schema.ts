/**
 * The JSON Schema of `report.json` (`schemas/report.schema.json`), for editors and for tools that read
 * reports. The report's model is TypeScript interfaces (model.ts), not zod, so this is written by hand
 * to follow `ReportDocument`; test/schemas checks it against real reports with ajv, so a field added to
 * the model without its line here fails there (objects below are closed where the model is).
 *
 * Depth is deliberate: the top level, the scenario, thresholds, claims and fault counts are spelled
 * out; inside `metrics` the groups and their figures are named, while per-step and per-operation maps
 * and latency curves are open maps, as their keys come from the scenario.
 */
type JsonSchema = Record<string, unknown>;

const num = { type: 'number' };
const int = { type: 'integer', minimum: 0 };
const str = { type: 'string' };
const bool = { type: 'boolean' };
const numOrNull = { type: ['number', 'null'] };
const nums = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, num]));

function closed(properties: JsonSchema, optional: string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
  };
}

/** An object whose named fields are required but which may carry more (figures grow between versions). */
function open(properties: JsonSchema, optional: string[] = []): JsonSchema {
  return { ...closed(properties, optional), additionalProperties: true };
}

const latency = open({
  count: int,
  min: numOrNull,
  mean: numOrNull,
  p50: numOrNull,
  p90: numOrNull,
  p95: numOrNull,
  p99: numOrNull,
  max: numOrNull,
  curve: { type: 'array', items: { type: 'array', items: num, minItems: 2, maxItems: 2 } },
  buckets: { type: 'array', items: open({ le: numOrNull, count: int }) },
});

const metrics = open({
  journeys: open(
    {
      families: int,
      started: int,
      completed: int,
      failed: int,
      aborted: int,
      truncated: int,
      notStarted: int,
      perSecond: num,
      failures: { type: 'array' },
    },
    // Reports from before truncation was counted apart have neither.
    ['families', 'notStarted'],
  ),
  steps: { type: 'object', additionalProperties: { type: 'object' } },
  latency: { type: 'object', additionalProperties: latency },
  klaviyo: open({ calls: int, attempts: int, retries: int, byOperation: { type: 'object' } }),
  cache: open({ hits: int, misses: int, hitRate: numOrNull }),
  events: open({ tracked: int, delivered: int, pending: int, deadLettered: int, lost: int, conserved: bool }),
  time: open(nums('wallMs', 'simulatedMs', 'requestsPerSecond')),
});

export function reportJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'dreamflow-sim report.json',
    description:
      'What a `dreamflow-sim run` measured and where it ran (schema version 1). See docs/harness.md for the figures.',
    ...closed(
      {
        $schema: { type: 'string', description: 'Path or URL of this schema, for editors.' },
        schemaVersion: { const: 1 },
        tool: closed({ name: { const: 'dreamflow-sim' }, version: str }),
        generatedAt: { type: 'string', format: 'date-time' },
        startedAt: { type: 'string', format: 'date-time' },
        partial: bool,
        passed: bool,
        scenario: closed(
          {
            name: str,
            description: str,
            source: { type: ['string', 'null'] },
            seed: int,
            users: int,
            faults: str,
            mode: { enum: ['inprocess', 'http'] },
            duration: str,
            durationMs: num,
            arrival: { type: 'object', properties: { type: { enum: ['all-at-once', 'rate', 'ramp'] } } },
            concurrency: int,
            // How the integration delivered (reports from before it was configurable lack it).
            integration: closed({
              delivery: { enum: ['outbox', 'inline'] },
              batching: bool,
              coalesce_profile_syncs: bool,
              cache: { enum: ['invalidate', 'write-through'] },
            }),
          },
          ['integration'],
        ),
        environment: closed({ node: str, os: str, arch: str, cpu: str, cpus: int, memoryGb: num }),
        metrics,
        figures: { type: 'object', additionalProperties: numOrNull },
        thresholds: {
          type: 'array',
          items: open({ source: str, metric: str, op: str, value: num, actual: numOrNull, passed: bool }),
        },
        claims: {
          type: 'array',
          items: closed({
            id: str,
            claim: str,
            claimed: str,
            target: { type: ['string', 'null'] },
            measured: numOrNull,
            measuredLabel: str,
            unit: { enum: ['ms', 'ratio'] },
            verdict: { enum: ['holds', 'meets target only', 'does not hold', 'not measured', 'modelled'] },
          }),
        },
        faults: closed({
          counts: { type: 'object', additionalProperties: int },
          injected: int,
          sequenceHash: str,
        }),
        baseline: { type: 'object', description: 'The comparison with --baseline, when one was given.' },
        shard: { type: 'object', description: 'Written by `run --shard i/n`: the slice and its merge data.' },
        merged: closed({ shards: int, files: { type: 'array', items: str } }),
      },
      ['$schema', 'baseline', 'shard', 'merged'],
    ),
  };
}
