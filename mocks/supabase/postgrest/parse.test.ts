import { describe, expect, it } from 'vitest';
import { PgrstError } from './errors.ts';
import { compileLike } from './like.ts';
import { parseCondition, parseList, parseLogic, parseOrder, parsePrefer, parseSelect } from './parse.ts';

describe('PostgREST parser', () => {
  it('parses select lists with aliases, casts, embeds, hints and !inner', () => {
    expect(
      parseSelect(
        'id,mail:email,total_stories::text,kids:children!inner(name,toys(*)),profiles!parent_id(email)',
      ),
    ).toEqual([
      { kind: 'column', name: 'id', alias: undefined, cast: undefined },
      { kind: 'column', name: 'email', alias: 'mail', cast: undefined },
      { kind: 'column', name: 'total_stories', alias: undefined, cast: 'text' },
      {
        kind: 'embed',
        name: 'children',
        alias: 'kids',
        hint: undefined,
        inner: true,
        items: [
          { kind: 'column', name: 'name', alias: undefined, cast: undefined },
          {
            kind: 'embed',
            name: 'toys',
            alias: undefined,
            hint: undefined,
            inner: false,
            items: [{ kind: 'star' }],
          },
        ],
      },
      {
        kind: 'embed',
        name: 'profiles',
        alias: undefined,
        hint: 'parent_id',
        inner: false,
        items: [{ kind: 'column', name: 'email', alias: undefined, cast: undefined }],
      },
    ]);
  });

  it('parses conditions, negation and quantifiers', () => {
    expect(parseCondition('age', 'not.gte.5')).toMatchObject({
      column: 'age',
      negate: true,
      op: 'gte',
      value: '5',
    });
    expect(parseCondition('name', 'like(any).{a*,b*}')).toMatchObject({
      op: 'like',
      quantifier: 'any',
      value: '{a*,b*}',
    });
    expect(parseCondition('email', 'eq.a.b@c.d')).toMatchObject({ op: 'eq', value: 'a.b@c.d' });
  });

  it('parses nested logic trees with quoted values', () => {
    const tree = parseLogic('or', false, '(a.eq.1,and(b.gt.2,not.or(c.is.null,d.eq."x,y")))');
    expect(tree.children).toHaveLength(2);
    const and = tree.children[1]!;
    expect(and).toMatchObject({ kind: 'logic', op: 'and' });
    expect(and.kind === 'logic' && and.children[1]).toMatchObject({ kind: 'logic', op: 'or', negate: true });
    const inner =
      and.kind === 'logic' && and.children[1]!.kind === 'logic' ? and.children[1]!.children[1] : undefined;
    expect(inner).toMatchObject({ column: 'd', value: 'x,y' });
  });

  it('parses lists, order and Prefer', () => {
    expect(parseList('(1,"a,b",c)', '(', 'in')).toEqual(['1', 'a,b', 'c']);
    expect(parseList('()', '(', 'in')).toEqual([]);
    expect(parseOrder('a.desc.nullslast,b')).toEqual([
      { column: 'a', desc: true, nulls: 'last' },
      { column: 'b', desc: false },
    ]);
    expect(
      parsePrefer('return=representation, count=exact,resolution=merge-duplicates, missing=default'),
    ).toEqual({
      return: 'representation',
      count: 'exact',
      resolution: 'merge-duplicates',
      missing: 'default',
    });
  });

  it('rejects anything that is not an identifier with PGRST100 (never passes it on)', () => {
    for (const bad of ['email;drop', '1abc', 'a b', '(select 1)', 'a->b', '...children(*)', 'a"b']) {
      expect(() => parseSelect(bad), bad).toThrow(PgrstError);
    }
    expect(() => parseCondition('email--', 'eq.1')).toThrow(/failed to parse/);
    expect(() => parseOrder('email;drop')).toThrow(/failed to parse/);
    expect(() => parseOrder('email.sideways')).toThrow(/failed to parse/);
    expect(detailsOf(() => parseCondition('email', 'between.1'))).toMatch(/unknown operator "between"/);
    expect(() => parseLogic('or', false, '(a.eq.1')).toThrow(PgrstError);
  });

  it('bounds nesting depth', () => {
    const deep = `${'and('.repeat(20)}a.eq.1${')'.repeat(20)}`;
    expect(detailsOf(() => parseLogic('or', false, `(${deep})`))).toMatch(/too deeply/);
  });
});

describe('LIKE patterns', () => {
  it('is case-sensitive for like, insensitive for ilike, with % * _ and escapes', () => {
    expect(compileLike('Lun%', false).test('Luna')).toBe(true);
    expect(compileLike('Lun%', false).test('luna')).toBe(false);
    expect(compileLike('lun*', true).test('LUNAR')).toBe(true);
    expect(compileLike('a_c', false).test('abc')).toBe(true);
    expect(compileLike('a\\%c', false).test('a%c')).toBe(true);
    expect(compileLike('a\\%c', false).test('abc')).toBe(false);
    expect(compileLike('(.*)', false).test('x')).toBe(false);
  });
});

function detailsOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PgrstError);
    return (err as PgrstError).details;
  }
  throw new Error('expected a PgrstError');
}
