/**
 * The fault rules document: what a profile file (YAML/JSON) and `PUT /__admin/faults` contain.
 *
 * Objects are strict so a misspelt key (`latncy`) is reported instead of silently doing nothing.
 * Cross-field checks live in `superRefine` so every message names the exact field to fix.
 * See docs/faults.md for the format with examples.
 */
import { z } from 'zod';
import { knownKeys, unknownKeyMessage, unknownValueMessage } from '../../lib/config-errors.ts';
import { compilePathPattern } from './match.ts';
import { isKnownOperation, knownOperations } from './operations.ts';

const NETWORK_FAULTS = ['reset', 'hang', 'empty', 'truncated', 'malformed'] as const;
const LATENCY_KINDS = ['fixed', 'uniform', 'normal', 'lognormal'] as const;

const BETWEEN_0_AND_1 = 'expected a number between 0 and 1';
const probability = z
  .number({ error: BETWEEN_0_AND_1 })
  .min(0, { error: BETWEEN_0_AND_1 })
  .max(1, { error: BETWEEN_0_AND_1 });

const NON_NEGATIVE_MS = 'expected a number of milliseconds >= 0';
const ms = z.number({ error: NON_NEGATIVE_MS }).min(0, { error: NON_NEGATIVE_MS });

const POSITIVE_INT = 'expected a whole number >= 1';
const count = z.number({ error: POSITIVE_INT }).int({ error: POSITIVE_INT }).min(1, { error: POSITIVE_INT });

const STATUS = 'expected an HTTP error status between 400 and 599 (e.g. 500, 502, 503, 504, 429)';
const status = z
  .number({ error: STATUS })
  .int({ error: STATUS })
  .min(400, { error: STATUS })
  .max(599, { error: STATUS });

const SECONDS = 'expected whole seconds >= 0, or {min, max} to draw from';
const wholeSeconds = z.number({ error: SECONDS }).int({ error: SECONDS }).min(0, { error: SECONDS });
/** `Retry-After` in seconds: a fixed value, or a range the injector draws from (seeded). */
const retryAfter = z.union(
  [
    wholeSeconds,
    z
      .strictObject({ min: wholeSeconds, max: wholeSeconds })
      .refine((r) => r.min <= r.max, { error: 'min must be <= max', path: ['max'] }),
  ],
  { error: SECONDS },
);

const stringOrList = (what: string) =>
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
    error: `expected a ${what} or a list of them`,
  });

const SERVICES = ['klaviyo', 'supabase'];
const SERVICE = `expected one of ${SERVICES.join(', ')}`;

export const matchSchema = z
  .strictObject({
    /** `POST`, or a list; case-insensitive; `*` for any. */
    method: stringOrList('method name').optional(),
    /** A glob on the request path (`/api/events*`), or a regular expression when it starts with `^`. */
    path: z
      .string({ error: 'expected a path glob like /api/events* or a regex starting with ^' })
      .superRefine((value, ctx) => {
        try {
          compilePathPattern(value);
        } catch (err) {
          ctx.addIssue({
            code: 'custom',
            message: `not a valid regular expression: ${(err as Error).message}`,
          });
        }
      })
      .optional(),
    /** The emulated operation id (`create_event`, `get_profiles`), a glob (`get_*`), or a list. */
    operation: stringOrList('operation id').optional(),
    /** `klaviyo` or `supabase`: which mock the rule applies to. */
    service: z
      .string({ error: SERVICE })
      .refine((s) => SERVICES.includes(s.toLowerCase()), { error: SERVICE })
      .optional(),
  })
  .superRefine((m, ctx) => {
    const patterns =
      m.operation === undefined ? [] : Array.isArray(m.operation) ? m.operation : [m.operation];
    patterns.forEach((pattern, i) => {
      if (isKnownOperation(pattern, m.service)) return;
      ctx.addIssue({
        code: 'custom',
        path: Array.isArray(m.operation) ? ['operation', i] : ['operation'],
        message: unknownValueMessage(
          m.service ? `${m.service.toLowerCase()} operation` : 'operation',
          pattern,
          knownOperations(m.service),
          "Klaviyo operation ids are the spec's in snake_case (docs/klaviyo-coverage.md); the fake Supabase uses rest.<select|insert|upsert|update|delete>.<table> and auth.<signup|token.password|user.get|…>",
        ),
      });
    });
  });

export const latencySchema = z
  .strictObject({
    kind: z.enum(LATENCY_KINDS, { error: `expected one of ${LATENCY_KINDS.join(', ')}` }),
    ms: ms.optional(),
    min: ms.optional(),
    max: ms.optional(),
    mean: ms.optional(),
    stdDev: ms.optional(),
    median: ms.optional(),
    p99: ms.optional(),
    /** Uniform ± jitter added to every sample (as Toxiproxy's latency jitter). */
    jitterMs: ms.optional(),
    /** Upper bound on any sample, so a heavy log-normal tail stays below client time-outs if wanted. */
    maxMs: ms.optional(),
  })
  .superRefine((l, ctx) => {
    const need = (fields: (keyof typeof l)[]) => {
      for (const f of fields) {
        if (l[f] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [f],
            message: `${l.kind} latency needs ${fields.join(' and ')}`,
          });
        }
      }
    };
    if (l.kind === 'fixed') need(['ms']);
    if (l.kind === 'uniform') {
      need(['min', 'max']);
      if (l.min !== undefined && l.max !== undefined && l.min > l.max) {
        ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must be >= min' });
      }
    }
    if (l.kind === 'normal') need(['mean', 'stdDev']);
    if (l.kind === 'lognormal') {
      need(['median', 'p99']);
      if (l.median !== undefined && l.median <= 0) {
        ctx.addIssue({ code: 'custom', path: ['median'], message: 'lognormal median must be > 0' });
      }
      if (l.median !== undefined && l.p99 !== undefined && l.p99 < l.median) {
        ctx.addIssue({ code: 'custom', path: ['p99'], message: 'p99 must be >= median' });
      }
    }
  });

export const errorSchema = z.strictObject({
  status,
  probability,
  retryAfterSeconds: retryAfter.optional(),
  /** Error code in the body (default: `throttled` for 429, `error` for 5xx). */
  code: z.string().min(1).optional(),
  detail: z.string().min(1).optional(),
});

export const burstSchema = z
  .strictObject({
    /** Start a burst every N requests this rule matched. */
    everyRequests: count.optional(),
    /** The request number (1-based, counted per rule) the first burst starts at (default: everyRequests). */
    startAtRequest: count.optional(),
    /** Burst length, in requests … */
    lengthRequests: count.optional(),
    /** … or in clock time. */
    durationMs: ms.optional(),
    retryAfterSeconds: retryAfter,
    status: status.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.everyRequests === undefined && b.startAtRequest === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['everyRequests'],
        message: 'a burst needs everyRequests or startAtRequest',
      });
    }
    if ((b.lengthRequests === undefined) === (b.durationMs === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['lengthRequests'],
        message: 'give exactly one of lengthRequests or durationMs',
      });
    }
    if (
      b.everyRequests !== undefined &&
      b.lengthRequests !== undefined &&
      b.lengthRequests >= b.everyRequests
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['lengthRequests'],
        message: 'lengthRequests must be smaller than everyRequests (or every request would be throttled)',
      });
    }
  });

export const networkSchema = z.strictObject({
  fault: z.enum(NETWORK_FAULTS, { error: `expected one of ${NETWORK_FAULTS.join(', ')}` }),
  probability,
});

const FROM_TIME = 'expected an ISO date-time or a number of ms after the rules were loaded';
export const outageSchema = z
  .strictObject({
    /** First request (1-based, counted per rule) in the outage. */
    fromRequest: count.optional(),
    /** Start time: an ISO date-time on the mock's clock, or ms after the rules were loaded (creation or PUT). */
    fromTime: z
      .union([ms, z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: FROM_TIME })], {
        error: FROM_TIME,
      })
      .optional(),
    /** Outage length in clock time … */
    durationMs: ms.optional(),
    /** … or in requests. Neither: the outage lasts until the rules are replaced. */
    requests: count.optional(),
    /** Answer this status (default 503) … */
    status: status.optional(),
    /** … or this network fault instead. */
    fault: z.enum(NETWORK_FAULTS, { error: `expected one of ${NETWORK_FAULTS.join(', ')}` }).optional(),
    retryAfterSeconds: retryAfter.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.fromRequest !== undefined && o.fromTime !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fromTime'], message: 'give fromRequest or fromTime, not both' });
    }
    if (o.durationMs !== undefined && o.requests !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['requests'], message: 'give durationMs or requests, not both' });
    }
    if (o.status !== undefined && o.fault !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fault'], message: 'give status or fault, not both' });
    }
  });

export const ruleSchema = z
  .strictObject({
    name: z.string().optional(),
    description: z.string().optional(),
    /** Omitted: the rule matches every request. */
    match: matchSchema.optional(),
    latency: latencySchema.optional(),
    errors: z.array(errorSchema).optional(),
    burst429: burstSchema.optional(),
    network: z.array(networkSchema).optional(),
    outage: z.union([outageSchema, z.array(outageSchema)]).optional(),
  })
  .superRefine((r, ctx) => {
    // Errors and network faults share one draw per request, so their probabilities must fit in [0, 1].
    const total = [...(r.errors ?? []), ...(r.network ?? [])].reduce((sum, e) => sum + e.probability, 0);
    if (total > 1 + 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: [r.errors?.length ? 'errors' : 'network'],
        message: `error and network probabilities add up to ${round(total)}; they must add up to at most 1`,
      });
    }
  });

/** Keys `GET /__admin/faults` adds for information; accepted and ignored on input so GET → PUT round-trips. */
const readOnly = {
  profile: z.string().nullable().optional(),
  source: z.string().nullable().optional(),
  activeSince: z.string().optional(),
  stats: z.unknown().optional(),
};

export const faultDocumentSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  seed: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).optional(),
  rules: z.array(ruleSchema, { error: 'expected a list of rules (use [] for no faults)' }),
  ...readOnly,
});

/** `PUT /__admin/faults` with `{"profile": "flaky"}` (optionally a seed) switches to a named profile or file. */
export const profileSwitchSchema = z.strictObject({
  profile: z.string().min(1, { error: 'expected a profile name or file path' }),
  seed: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).optional(),
});

export type FaultDocument = z.infer<typeof faultDocumentSchema>;
export type FaultRule = z.infer<typeof ruleSchema>;
export type FaultMatch = z.infer<typeof matchSchema>;
export type LatencySpec = z.infer<typeof latencySchema>;
export type ErrorSpec = z.infer<typeof errorSchema>;
export type BurstSpec = z.infer<typeof burstSchema>;
export type OutageSpec = z.infer<typeof outageSchema>;
export type NetworkSpec = z.infer<typeof networkSchema>;
export type RetryAfterSpec = z.infer<typeof retryAfter>;

/** A bad rules document. `field` is a path such as `rules[2].errors[0].probability` (PUT answers it as 400). */
export class FaultConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly file?: string,
  ) {
    super(message);
    this.name = 'FaultConfigError';
  }
}

/**
 * Validate a parsed document. Throws FaultConfigError naming the first offending field;
 * `label` (a file name) prefixes the message: `flaky.yaml: rules[2].errors[0].probability: …`.
 */
export function parseFaultDocument(input: unknown, label?: string): FaultDocument {
  return parseWith(faultDocumentSchema, input, label);
}

export function parseWith<T>(schema: z.ZodType<T>, input: unknown, label?: string): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const field = '(document)';
    const msg = 'expected an object like {"rules": [...]} or {"profile": "<name>"}';
    throw new FaultConfigError(`${label ? `${label}: ` : ''}${field}: ${msg}`, field, label);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // An unknown key explains the errors around it (`probabilty` also makes `probability` missing), so it
  // is reported first.
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  let path = [...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]!];
    message = `${unknownKeyMessage(issue.keys[0]!, knownKeys(schema, issue.path))} (docs/faults.md lists the rule format)`;
  }
  const field = formatPath(path) || '(document)';
  throw new FaultConfigError(`${label ? `${label}: ` : ''}${field}: ${message}`, field, label);
}

/** `['rules', 2, 'errors', 0, 'probability']` → `rules[2].errors[0].probability`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
