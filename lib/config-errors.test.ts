import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { knownKeys, suggest, unknownKeyMessage } from './config-errors.ts';

describe('config error messages', () => {
  it('suggests only near misses', () => {
    const keys = ['probability', 'status', 'concurrency', 'signup', 'cancel'];
    expect(suggest('probabilty', keys)).toBe('probability');
    expect(suggest('singup', keys)).toBe('signup');
    expect(suggest('dance', keys)).toBeUndefined();
    expect(suggest('x', [])).toBeUndefined();
  });

  it('finds the allowed keys through wrappers, unions, arrays and lazies', () => {
    const leaf = z.strictObject({ a: z.number(), b: z.string().optional() });
    const schema = z.strictObject({
      list: z.array(z.union([leaf, z.strictObject({ c: z.boolean() })])).default([]),
      lazy: z.lazy(() => leaf).optional(),
      piped: leaf.transform((v) => v.a),
    });
    expect(knownKeys(schema, [])).toEqual(['list', 'lazy', 'piped']);
    expect(knownKeys(schema, ['list', 3])).toEqual(['a', 'b', 'c']);
    expect(knownKeys(schema, ['lazy'])).toEqual(['a', 'b']);
    expect(knownKeys(schema, ['piped'])).toEqual(['a', 'b']);
    expect(knownKeys(schema, ['nowhere'])).toEqual([]);
    expect(unknownKeyMessage('bb', ['a', 'b'])).toBe(
      'unknown field "bb" (did you mean "b"?); known fields: a, b',
    );
  });
});
