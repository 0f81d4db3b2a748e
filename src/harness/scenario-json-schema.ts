/**
 * The JSON Schema of scenario files (`schemas/scenario.schema.json`), generated from the zod schema the
 * loader validates with, so editors complete and check what the harness accepts. Scenario files point
 * at it from their first line (`# yaml-language-server: $schema=../schemas/scenario.schema.json`).
 *
 * zod's `toJSONSchema` (input side: defaults make fields optional) does the work. Steps are the one
 * part it cannot see through: the loader checks them in a transform (a bare name or a one-key object,
 * for error messages that point at the exact step), so each step kind's option schema is converted on
 * its own and the step becomes a `$defs` entry that nested step lists refer to. The think step is also
 * a transform (for its message) and is described by hand. The loader stays the judge: a file that
 * passes this schema can still fail a check JSON Schema cannot express (a threshold's syntax, a
 * [min, max] range in order).
 */
import { z } from 'zod';
import { type StepKind, scenarioSchema, stepOptionSchemas, stepSchema } from './scenario-schema.ts';

type JsonSchema = Record<string, unknown>;

const STEP_REF = { $ref: '#/$defs/step' };

const DURATION: JsonSchema = {
  anyOf: [{ type: 'string', description: 'a duration like 250ms, 30s, 5m, 1h or 14d' }, { type: 'number' }],
};

const THINK: JsonSchema = {
  description: 'A pause: a duration, or {min, max} for a uniform draw between two durations.',
  anyOf: [
    ...(DURATION.anyOf as JsonSchema[]),
    {
      type: 'object',
      properties: { min: DURATION, max: DURATION },
      required: ['min', 'max'],
      additionalProperties: false,
    },
  ],
};

function convert(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io: 'input',
    // Transforms checked in code (steps, think) have no JSON Schema of their own; they are replaced below.
    unrepresentable: 'any',
    override: (ctx) => {
      if ((ctx.zodSchema as unknown) === stepSchema) {
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        Object.assign(ctx.jsonSchema, STEP_REF);
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** One step: a bare name (kinds whose options all have defaults) or `{<kind>: options}`. */
function stepDefinition(): JsonSchema {
  const kinds = Object.keys(stepOptionSchemas) as StepKind[];
  const bare = kinds.filter((k) => stepOptionSchemas[k].safeParse(undefined).success);
  const objects = kinds.map((kind) => {
    const options = kind === 'think' ? THINK : convert(stepOptionSchemas[kind]);
    // `- signup:` with nothing after the colon is YAML null: the step's defaults.
    const value = bare.includes(kind) ? { anyOf: [options, { type: 'null' }] } : options;
    return {
      type: 'object',
      properties: { [kind]: value },
      required: [kind],
      additionalProperties: false,
    };
  });
  return {
    description: 'A journey step: a bare name, or a one-key object {<step>: options}.',
    anyOf: [{ type: 'string', enum: bare }, ...objects],
  };
}

export function scenarioJsonSchema(): JsonSchema {
  const body = convert(scenarioSchema);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'dreamflow-sim scenario',
    description:
      'A scenario file for `dreamflow-sim run` (docs/harness.md). Generated from the zod schema: npm run schemas.',
    ...body,
    $defs: { ...((body.$defs as JsonSchema | undefined) ?? {}), step: stepDefinition() },
  };
}
