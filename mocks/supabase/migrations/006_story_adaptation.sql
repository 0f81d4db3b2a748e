-- Adaptive stories (issue 17): what each story was given, so an A/B of the adaptive engine can be read
-- back from Supabase, and whether the child finished it (reported by the app after listening).
-- `ab_arm` is the family's arm when the app runs the A/B (`adaptive` / `plain`), else null; `adaptive`
-- says the engine's plan shaped this story (false in the plain arm and when the plan fell back).
ALTER TABLE stories ADD COLUMN ab_arm text CHECK (ab_arm IS NULL OR ab_arm IN ('adaptive', 'plain'));
ALTER TABLE stories ADD COLUMN adaptive boolean NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN shared boolean NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN sentences_per_scene integer;
ALTER TABLE stories ADD COLUMN time_of_day text;
ALTER TABLE stories ADD COLUMN theme_used text;
ALTER TABLE stories ADD COLUMN completed boolean;
ALTER TABLE stories ADD COLUMN listened_seconds integer;
ALTER TABLE stories ADD COLUMN completion_reported_at timestamptz;
