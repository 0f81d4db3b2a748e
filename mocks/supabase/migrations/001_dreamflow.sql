-- Dream Flow's public schema, as SQLite. Declared types carry the Postgres type name (uuid, timestamptz,
-- jsonb, boolean) because the PostgREST layer reads them back with PRAGMA table_info to decide how a
-- value is validated on the way in and rendered on the way out (booleans as booleans, jsonb as JSON).
-- df_uuid() and df_now() are functions the store registers on its connection (ids, injected clock).

CREATE TABLE profiles (
  id                  uuid PRIMARY KEY NOT NULL DEFAULT (df_uuid()),
  email               text NOT NULL UNIQUE,
  first_name          text,
  subscription_tier   text NOT NULL DEFAULT 'free' CHECK (subscription_tier IN ('free', 'premium', 'family')),
  story_preferences   jsonb NOT NULL DEFAULT '[]',
  total_stories       integer NOT NULL DEFAULT 0,
  current_streak      integer NOT NULL DEFAULT 0,
  last_story_at       timestamptz,
  family_mode_enabled boolean NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT (df_now()),
  updated_at          timestamptz NOT NULL DEFAULT (df_now())
);

CREATE TABLE children (
  id         uuid PRIMARY KEY NOT NULL DEFAULT (df_uuid()),
  parent_id  uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  name       text NOT NULL,
  age_band   text,
  created_at timestamptz NOT NULL DEFAULT (df_now())
);
CREATE INDEX children_parent_id_idx ON children (parent_id);

CREATE TABLE stories (
  id                 uuid PRIMARY KEY NOT NULL DEFAULT (df_uuid()),
  user_id            uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  child_id           uuid REFERENCES children (id) ON DELETE SET NULL,
  theme              text,
  prompt             text,
  story_text         text,
  num_scenes         integer,
  user_mood          text,
  generation_time_ms integer,
  created_at         timestamptz NOT NULL DEFAULT (df_now())
);
CREATE INDEX stories_user_id_idx ON stories (user_id);
CREATE INDEX stories_child_id_idx ON stories (child_id);

CREATE TABLE subscriptions (
  id                     uuid PRIMARY KEY NOT NULL DEFAULT (df_uuid()),
  user_id                uuid NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  tier                   text NOT NULL CHECK (tier IN ('free', 'premium', 'family')),
  previous_tier          text,
  status                 text NOT NULL DEFAULT 'active',
  stripe_subscription_id text UNIQUE,
  cancellation_reason    text,
  created_at             timestamptz NOT NULL DEFAULT (df_now()),
  cancelled_at           timestamptz
);
CREATE INDEX subscriptions_user_id_idx ON subscriptions (user_id);

-- Postgres projects keep updated_at fresh with a trigger; so does this one, unless the write set it.
CREATE TRIGGER profiles_touch_updated_at AFTER UPDATE ON profiles
FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE profiles SET updated_at = df_now() WHERE rowid = NEW.rowid;
END;
