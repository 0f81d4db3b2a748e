/**
 * Messages for config files (fault rules, scenarios) that tell the user how to fix them: an unknown key
 * names the keys that are allowed and the closest one (`probabilty` → "did you mean probability?"), an
 * unknown value names the values that are known. zod reports an unknown key without the allowed ones,
 * so `knownKeys` reads them off the schema at the issue's path.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

/** The closest candidate, when it is close enough to be a likely typo (not just any other word). */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(input, candidates as string[]);
  // About one typo per three letters, at most three: `singup` → signup, but not `dance` → cancel.
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  return distance(input.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

/** `unknown field "probabilty" (did you mean "probability"?); known fields: status, probability`. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = suggest(key, known);
  const list = known.length ? `; known fields: ${known.join(', ')}` : '';
  return `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}${list}`;
}

/** `unknown operation "create_evnt" (did you mean "create_event"?)`, with a pointer to the full list. */
export function unknownValueMessage(
  what: string,
  value: string,
  known: readonly string[],
  where?: string,
): string {
  const hint = suggest(value, known);
  const list = where ? `; ${where}` : known.length <= 20 ? `; known: ${known.join(', ')}` : '';
  return `unknown ${what} "${value}"${hint ? ` (did you mean "${hint}"?)` : ''}${list}`;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
  items?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The keys an object schema allows at `path` (best effort: wrappers, unions, arrays and lazies are
 * looked through; an empty list when the path leads nowhere known).
 */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  walk(schema, [...path], found, 0);
  return [...found];
}

function walk(schema: z.ZodType, path: PropertyKey[], found: Set<string>, depth: number): void {
  if (depth > 64) return;
  const def = defOf(schema);
  if (def.type === 'object' && path.length === 0) {
    for (const key of Object.keys(def.shape ?? {})) found.add(key);
    return;
  }
  for (const [child, rest] of children(def, path)) walk(child, rest, found, depth + 1);
}

/** The schemas to look into next, each with the path left to follow inside it. */
function children(def: Def, path: PropertyKey[]): [z.ZodType, PropertyKey[]][] {
  const here = (...schemas: (z.ZodType | undefined)[]) =>
    schemas.filter((s): s is z.ZodType => s !== undefined).map((s): [z.ZodType, PropertyKey[]] => [s, path]);
  const [head, ...rest] = path;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return here(def.innerType);
    case 'pipe':
      return here(def.in, def.out);
    case 'lazy':
      return here(def.getter?.());
    case 'union':
      return here(...(def.options ?? []));
    case 'intersection':
      return here(def.left, def.right);
    case 'array':
      return typeof head === 'number' && def.element ? [[def.element, rest]] : [];
    case 'tuple': {
      const item = typeof head === 'number' ? def.items?.[head] : undefined;
      return item ? [[item, rest]] : [];
    }
    case 'object': {
      const child = typeof head === 'string' ? def.shape?.[head] : undefined;
      return child ? [[child, rest]] : [];
    }
    default:
      return [];
  }
}
