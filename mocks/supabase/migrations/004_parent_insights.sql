-- Parent insights (issue 17): the weekly wellness email goes only to parents who asked for it.
ALTER TABLE profiles ADD COLUMN insights_opt_in boolean NOT NULL DEFAULT 0;
