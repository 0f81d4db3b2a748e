import { describe, expect, it } from 'vitest';
import { isRlsStatement, parseRlsStatement, splitStatements, statementText } from './policies.ts';

const parse = (sql: string) => parseRlsStatement(statementText(sql));

describe('RLS statement parser', () => {
  it('reads ENABLE ROW LEVEL SECURITY with optional ONLY and public.', () => {
    expect(parse('alter table only public."stories" enable row level security;')).toEqual({
      kind: 'enable',
      table: 'stories',
    });
  });

  it('reads every supported CREATE POLICY form', () => {
    expect(
      parse(`CREATE POLICY "Own rows" ON public.stories AS PERMISSIVE FOR UPDATE TO authenticated, anon
             USING ((select auth.uid()) = user_id) WITH CHECK (((user_id = auth.uid())))`),
    ).toEqual({
      kind: 'policy',
      policy: {
        table: 'stories',
        name: 'Own rows',
        command: 'UPDATE',
        roles: ['authenticated', 'anon'],
        using: 'user_id',
        check: 'user_id',
      },
    });
    // Defaults: FOR ALL, TO PUBLIC (every role); `TO public` says the same.
    expect(parse('create policy p on children using (parent_id = auth.uid())')).toMatchObject({
      policy: { command: 'ALL', roles: [], using: 'parent_id' },
    });
    expect(parse('create policy p on children to public, anon using (parent_id = auth.uid())')).toMatchObject(
      {
        policy: { roles: [] },
      },
    );
    expect(parse('create policy p on children for insert with check (auth.uid() = parent_id)')).toMatchObject(
      { policy: { command: 'INSERT', check: 'parent_id' } },
    );
  });

  it.each([
    ['create policy p on stories using (user_id = current_user)', /auth\.uid\(\)/],
    ['create policy p on stories using (true)', /column = auth\.uid\(\)/],
    ['create policy p on stories using (auth.jwt() = user_id)', /auth\.jwt\(\) is not supported/],
    ['create policy p on stories using (user_id = auth.uid() or true)', /unexpected at "or"/],
    ['create policy p on stories as restrictive using (user_id = auth.uid())', /RESTRICTIVE/],
    ['create policy p on stories to staff using (user_id = auth.uid())', /role "staff" does not exist/],
    ['create policy p on stories for insert using (user_id = auth.uid())', /only WITH CHECK/],
    ['create policy p on stories for select with check (user_id = auth.uid())', /cannot be applied/],
    ['create policy p on stories for select', /needs a USING or WITH CHECK/],
    ['create policy p on auth.users using (id = auth.uid())', /schema "auth"/],
    ['alter table stories disable row level security', /only ENABLE/],
    ['alter table stories force row level security', /only ENABLE/],
    ['drop policy p on stories', /DROP POLICY is not supported/],
    ["create policy p on stories using (theme = 'x')", /unexpected/],
  ])('refuses %s', (sql, reason) => {
    expect(isRlsStatement(statementText(sql))).toBe(true);
    expect(() => parse(sql)).toThrow(reason);
  });

  it('splits statements outside strings and comments, and leaves other SQL to SQLite', () => {
    const sql =
      "CREATE TABLE t (a text DEFAULT ';'); -- a; comment\n/* ; */ALTER TABLE t ENABLE ROW LEVEL SECURITY;";
    const parts = splitStatements(sql);
    expect(parts).toHaveLength(2);
    expect(parts.join('')).toBe(sql);
    expect(parts.map((p) => isRlsStatement(statementText(p)))).toEqual([false, true]);
    expect(isRlsStatement('ALTER TABLE t ADD COLUMN b text')).toBe(false);
  });
});
