import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../lib/clock.ts';
import { SupabaseCore } from './core.ts';
import { seedDemoFamilies } from './seed.ts';

function snapshot(core: SupabaseCore): unknown {
  return ['profiles', 'children', 'stories', 'subscriptions'].map((t) =>
    core.db.prepare(`SELECT * FROM ${t} ORDER BY id`).all(),
  );
}

describe('seedDemoFamilies', () => {
  it('makes the same families for the same seed and clock, different ones for another seed', () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const a = new SupabaseCore({ clock });
    const b = new SupabaseCore({ clock });
    const c = new SupabaseCore({ clock });
    const counts = seedDemoFamilies(a.db, { families: 6, seed: 5, clock });
    seedDemoFamilies(b.db, { families: 6, seed: 5, clock });
    seedDemoFamilies(c.db, { families: 6, seed: 6, clock });
    expect(snapshot(a)).toEqual(snapshot(b));
    expect(snapshot(a)).not.toEqual(snapshot(c));
    expect(counts.profiles).toBe(6);
    expect(counts.auth_users).toBe(6);
    expect(counts.children).toBeGreaterThanOrEqual(6);
    for (const core of [a, b, c]) core.close();
  });

  it('keeps totals consistent and is idempotent for a repeated seed', () => {
    const core = new SupabaseCore();
    seedDemoFamilies(core.db, { families: 8, seed: 2 });
    const again = seedDemoFamilies(core.db, { families: 8, seed: 2 });
    expect(again).toEqual({ profiles: 0, children: 0, stories: 0, subscriptions: 0, auth_users: 0 });
    const rows = core.db
      .prepare(
        'SELECT p.total_stories AS t, (SELECT COUNT(*) FROM stories s WHERE s.user_id = p.id) AS n FROM profiles p',
      )
      .all() as { t: number; n: number }[];
    for (const r of rows) expect(r.t).toBe(r.n);
    const tiers = core.db
      .prepare(
        "SELECT COUNT(*) AS n FROM profiles WHERE subscription_tier NOT IN ('free','premium','family')",
      )
      .get() as { n: number };
    expect(tiers.n).toBe(0);
    core.close();
  });
});
