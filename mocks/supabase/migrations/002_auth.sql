-- GoTrue's tables (auth schema in real Supabase). Prefixed auth_ and hidden from PostgREST, which only
-- exposes the public tables listed by the store.
CREATE TABLE auth_users (
  id                 uuid PRIMARY KEY NOT NULL,
  email              text NOT NULL UNIQUE,
  encrypted_password text NOT NULL,
  user_metadata      jsonb NOT NULL DEFAULT '{}',
  app_metadata       jsonb NOT NULL DEFAULT '{"provider":"email","providers":["email"]}',
  email_confirmed_at timestamptz,
  last_sign_in_at    timestamptz,
  created_at         timestamptz NOT NULL DEFAULT (df_now()),
  updated_at         timestamptz NOT NULL DEFAULT (df_now())
);

CREATE TABLE auth_sessions (
  id         uuid PRIMARY KEY NOT NULL,
  user_id    uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT (df_now())
);

CREATE TABLE auth_refresh_tokens (
  token      text PRIMARY KEY NOT NULL,
  user_id    uuid NOT NULL REFERENCES auth_users (id) ON DELETE CASCADE,
  session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
  revoked    boolean NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT (df_now())
);
CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id);
