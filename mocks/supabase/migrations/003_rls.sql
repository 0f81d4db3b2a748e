-- Row Level Security, written as in a Supabase project. SQLite cannot run these statements: the
-- migration runner takes them out and the PostgREST layer enforces them (mocks/supabase/store/policies.ts
-- lists the supported forms). The service role bypasses RLS, as in Postgres; the Dream Flow backend uses it.

ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users manage their own profile" ON profiles
  FOR ALL TO authenticated
  USING (id = auth.uid())
  WITH CHECK (id = auth.uid());

ALTER TABLE children ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Parents manage their own children" ON children
  FOR ALL TO authenticated
  USING (parent_id = auth.uid())
  WITH CHECK (parent_id = auth.uid());

ALTER TABLE stories ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users manage their own stories" ON stories
  FOR ALL TO authenticated
  USING (user_id = auth.uid())
  WITH CHECK (user_id = auth.uid());

-- Billing is written by the backend (service role) only; users may read their own subscriptions.
ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users read their own subscriptions" ON subscriptions
  FOR SELECT TO authenticated
  USING (user_id = auth.uid());
