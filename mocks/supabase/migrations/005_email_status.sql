-- Klaviyo webhooks (issue 17): an unsubscribe, a bounce or a spam complaint reported by Klaviyo is kept
-- on the family, so Dream Flow stops emailing an address Klaviyo can no longer reach.
ALTER TABLE profiles ADD COLUMN email_status text NOT NULL DEFAULT 'ok' CHECK (email_status IN ('ok', 'unsubscribed', 'bounced', 'spam'));
